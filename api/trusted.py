"""The base of the routes game servers call with a service token (operators may too)."""

from typing import Any

from litestar import Controller
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from api.auth import principal_of
from infra import credentials
from infra.db import connection as pooled

TRUSTED = frozenset({"service", "admin"})


async def require_trusted(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a service (game server) or admin token, still so in the credentials table."""
    principal = principal_of(connection)
    async with pooled(connection.app.state.pool) as conn:
        login = await credentials.by_player(conn, principal.player_id)
    if principal.role not in TRUSTED or login is None or login.role not in TRUSTED:
        raise PermissionDeniedException(detail="this needs a service or admin account")


class TrustedController(Controller):
    """Bearer security, the trusted-caller guard and no caching, for every game-server route."""

    tags = ["economy"]  # noqa: RUF012 - Litestar reads these class attributes
    guards = [require_trusted]  # noqa: RUF012
    security = [{"bearer": []}]  # noqa: RUF012
    cache_control = CacheControlHeader(no_store=True)
