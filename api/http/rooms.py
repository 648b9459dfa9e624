"""The base controller of each kind of caller: who may call its routes, how they write, and
that no answer is cached. A controller names its room by its base class and keeps its own
path and tags; a route with other rules (a public one, a single guarded one) says so itself.
"""

from litestar import Controller
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide

from api.http.auth import require_admin, require_player
from api.http.trusted import require_trusted
from api.http.writes import as_admin, as_player, as_trusted

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


class PlayerRoom(Controller):
    """A player's bearer token; its subject is the only player a route acts on or shows."""

    guards = [require_player]  # noqa: RUF012 - Litestar reads these class attributes
    security = BEARER
    cache_control = CacheControlHeader(no_store=True)
    dependencies = {"write": Provide(as_player, sync_to_thread=False)}  # noqa: RUF012


class TrustedRoom(Controller):
    """A game server's (service) or an operator's (admin) token, still so in the credentials
    table (api/http/trusted.py)."""

    tags = ["economy"]  # noqa: RUF012
    guards = [require_trusted]  # noqa: RUF012
    security = BEARER
    cache_control = CacheControlHeader(no_store=True)
    dependencies = {"write": Provide(as_trusted, sync_to_thread=False)}  # noqa: RUF012


class AdminRoom(Controller):
    """An operator's token, its admin role re-read from the credentials table."""

    tags = ["admin"]  # noqa: RUF012
    guards = [require_admin]  # noqa: RUF012
    security = BEARER
    cache_control = CacheControlHeader(no_store=True)
    dependencies = {"write": Provide(as_admin, sync_to_thread=False)}  # noqa: RUF012
