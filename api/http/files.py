"""Files the service serves itself (the console's, the schema viewer's): only those of a table
fixed at import, by name, so a request can never name a path."""

from collections.abc import Mapping
from pathlib import Path

from litestar.response import File

from api.http.problems import not_found


def inline_file(path: Path, media_type: str) -> File:
    """`path` shown in the browser (not downloaded)."""
    return File(
        path=path, filename=path.name, media_type=media_type, content_disposition_type="inline"
    )


def named_file(files: Mapping[str, tuple[Path, str]], name: str, what: str) -> File:
    """The file `files` holds under `name` (with its media type), or 404 "no `what` named ..."."""
    found = files.get(name)
    if found is None:
        raise not_found(f"no {what} named {name!r}", f'There is no {what} named "{name}".')
    return inline_file(*found)
