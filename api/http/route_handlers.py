"""Litestar's `get` and `post`, with the guards given the route handler itself.

Litestar hands each guard a shallow copy of the route handler (`copy(self)`, so a guard cannot
change it): about sixty attributes copied on every request, 5% of a /balance request's CPU in
the profile (issue 22). The guards here (api/http/auth.py, api/http/trusted.py) never read the
handler, so the hot routes skip the copy; everything else, OpenAPI included, is Litestar's.
"""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler


class Route(HTTPRouteHandler):
    """An HTTP route handler whose guards get the handler itself (see the module's doc)."""

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Run every guard in scope (a refusal raises)."""
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[misc]


def get(path: str, **options: Any) -> Route:
    """`litestar.get` as a `Route`."""
    return Route(path, http_method=HttpMethod.GET, **options)


def post(path: str, **options: Any) -> Route:
    """`litestar.post` as a `Route`."""
    return Route(path, http_method=HttpMethod.POST, **options)
