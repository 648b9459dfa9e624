"""The web console: one static page and its assets, served by the service itself at `/`.

No build step and nothing from another origin: the page is plain HTML, CSS and JS modules in
`api/console/web/`. A strict Content-Security-Policy forbids inline scripts and styles and any
third-party origin, so an injected string can never run as code in the operator's browser.
"""

from pathlib import Path
from typing import Annotated

from litestar import Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import File

WEB_DIR = Path(__file__).parent / "web"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}

_SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]


def _assets() -> dict[str, Path]:
    """The servable files, fixed at import: a request can only name one of these, never a path."""
    return {
        path.name: path
        for path in WEB_DIR.iterdir()
        if path.is_file() and path.suffix in _MEDIA_TYPES and path.name != "index.html"
    }


_ASSETS = _assets()


def _file(path: Path) -> File:
    return File(
        path=path,
        filename=path.name,
        media_type=_MEDIA_TYPES[path.suffix],
        content_disposition_type="inline",
    )


@get("/", include_in_schema=False, sync_to_thread=False)
def index() -> File:
    """The console's single page."""
    return _file(WEB_DIR / "index.html")


AssetName = Annotated[str, PathParameter(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


@get("/static/{name:str}", include_in_schema=False, sync_to_thread=False)
def asset(name: AssetName) -> File:
    """A script, stylesheet or image of the console, by file name only."""
    path = _ASSETS.get(name)
    if path is None:
        raise NotFoundException(f"no console asset named {name!r}")
    return _file(path)


# Revalidated on every load (cheap, with ETag/Last-Modified), so a deploy is seen at once.
console_router = Router(
    path="/",
    route_handlers=[index, asset],
    response_headers=_SECURITY_HEADERS,
    cache_control=CacheControlHeader(no_cache=True),
    include_in_schema=False,
)
