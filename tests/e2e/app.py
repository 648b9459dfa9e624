"""The ASGI factory the browser tests serve: the real `create_app`, plus the web console when
`create_app` does not mount it yet (so these tests run before and after that line is added)."""

from litestar import Litestar

from api.console.routes import console_router
from api.http.app import create_app as create_api


def create_app() -> Litestar:
    """The service as `gameledger serve` builds it, with the console mounted exactly once."""
    app = create_api()
    if not any(route.path == "/static/{name:str}" for route in app.routes):
        app.register(console_router)
    return app
