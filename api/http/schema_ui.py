"""The interactive docs at `/schema`: Swagger UI, pinned and served by the service itself.

No CDN and no `@latest`: the page works offline and shows the same viewer until someone
upgrades it on purpose. The minified assets of `swagger-ui-dist` (Apache-2.0, its LICENSE and
NOTICE beside them) live in `api/http/vendor/swagger-ui/`; to upgrade, `npm pack swagger-ui-dist@X`,
copy the same files over and change VERSION. The version is in the assets' URLs, so browsers may
keep them for a year.
"""

import base64
import hashlib
import re
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.params import PathParameter
from litestar.response import File

from api.http.files import named_file

VERSION = "5.35.0"
ASSETS_PATH = f"/schema/assets/{VERSION}"
_DIR = Path(__file__).parent / "vendor" / "swagger-ui"
_FILES = {
    "swagger-ui-bundle.js": (_DIR / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui-standalone-preset.js": (
        _DIR / "swagger-ui-standalone-preset.js",
        "text/javascript",
    ),
    "swagger-ui.css": (_DIR / "swagger-ui.css", "text/css"),
}


_INLINE_SCRIPT = re.compile(rb"<script type='text/javascript'>(.*?)</script>", re.DOTALL)
# Everything from this origin, the page's own start-up script by its hash, nothing inline
# besides (Swagger UI's React sets style attributes, hence styles' 'unsafe-inline').
_POLICY = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'"
)


class _PinnedSwagger(SwaggerRenderPlugin):
    """Swagger UI whose page carries its own Content-Security-Policy (a <meta>, since the
    plugin's handler sets the headers): the inline start-up script is allowed by its hash."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema)
        return with_policy(page)


def with_policy(page: bytes) -> bytes:
    """`page` with a CSP <meta> first in its head, allowing its inline scripts by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page)
    )
    meta = f'<meta http-equiv="Content-Security-Policy" content="{_POLICY.format(hashes=hashes)}">'
    return page.replace(b"<head>", b"<head>" + meta.encode(), 1)


def render_plugin() -> SwaggerRenderPlugin:
    """Swagger UI at `/schema`, loading only this service's copies of its assets."""
    return _PinnedSwagger(
        path="/",
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>",
    )


AssetName = Annotated[str, PathParameter(pattern=r"^[a-z.-]{1,64}$")]


@get("/{name:str}", include_in_schema=False, sync_to_thread=False)
def asset(name: AssetName) -> File:
    """One of the viewer's files, by name only."""
    return named_file(_FILES, name, "schema asset")


schema_assets = Router(
    path=ASSETS_PATH,
    route_handlers=[asset],
    cache_control=CacheControlHeader(public=True, max_age=365 * 86400),
    include_in_schema=False,
)
