"""The web console: one static page and its assets, served by the service itself at `/`.

No build step and nothing from another origin: the page is plain HTML, CSS and JS modules in
`api/console/web/`. A strict Content-Security-Policy forbids inline scripts and styles and any
third-party origin, so an injected string can never run as code in the operator's browser.
"""

from pathlib import Path
from typing import Annotated

from litestar import Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.params import PathParameter
from litestar.response import File

from api.http.files import inline_file, named_file

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


def _assets() -> dict[str, tuple[Path, str]]:
    """The servable files, fixed at import: a request can only name one of these, never a path."""
    return {
        path.name: (path, _MEDIA_TYPES[path.suffix])
        for path in WEB_DIR.iterdir()
        if path.is_file() and path.suffix in _MEDIA_TYPES and path.name != "index.html"
    }


_ASSETS = _assets()


@get("/", include_in_schema=False, sync_to_thread=False)
def index() -> File:
    """The console's single page."""
    return inline_file(WEB_DIR / "index.html", "text/html")


AssetName = Annotated[str, PathParameter(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


@get("/static/{name:str}", include_in_schema=False, sync_to_thread=False)
def asset(name: AssetName) -> File:
    """A script, stylesheet or image of the console, by file name only."""
    return named_file(_ASSETS, name, "console asset")


# Revalidated on every load (cheap, with ETag/Last-Modified), so a deploy is seen at once.
console_router = Router(
    path="/",
    route_handlers=[index, asset],
    response_headers=_SECURITY_HEADERS,
    cache_control=CacheControlHeader(no_cache=True),
    include_in_schema=False,
)
