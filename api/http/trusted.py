"""The guard of the routes game servers call with a service token (operators may too), and
who such a caller is to a hold (api/http/rooms.py has their base controller)."""

from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from api.http.auth import Principal, principal_of
from domain.holds import Actor
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
    # The lesser of the token's role and the table's: an admin demoted since its token was
    # issued acts as a game server at once (a hold's owner check reads this role).
    if principal.role != login.role:
        connection.scope["user"] = msgspec.structs.replace(principal, role="service")


def actor(principal: Principal) -> Actor:
    """Who the caller is to a hold: admin only when the token and the credentials table both
    say so (require_trusted has made sure of it), a game server otherwise."""
    return Actor(
        account=principal.player_id, role="admin" if principal.role == "admin" else "service"
    )
