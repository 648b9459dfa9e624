"""The app's HTTP-level configuration: CORS for the game client's origins, the OpenAPI document."""

from litestar.config.cors import CORSConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from api.http import schema_ui


def cors(origins: list[str]) -> CORSConfig | None:
    """CORS for the configured origins; tokens travel in headers, so never credentials."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Ledger-Position"],
        expose_headers=["Retry-After", "X-Request-Id", "Ledger-Position"],
        allow_credentials=False,
        max_age=600,
    )


def openapi() -> OpenAPIConfig:
    """The OpenAPI document's title, path (`/schema`, Swagger UI) and bearer security scheme."""
    return OpenAPIConfig(
        title="gameledger",
        version="1.0.0",
        description="Double-entry ledger for a game economy: wallets, shop, treasury, audit.",
        path="/schema",
        render_plugins=[schema_ui.render_plugin()],  # self-hosted, pinned (api/http/schema_ui.py)
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
    )
