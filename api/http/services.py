"""What the lifespan builds and the controllers use, as one typed dependency."""

import ipaddress
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, TypeAlias

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter

from api.http.auth import Principal, Tokens, principal_of
from api.http.limits import Throttles, client_ip
from domain.assets import Catalog
from infra.config import Network, Settings
from infra.db import Conn
from infra.replica import POSITION_HEADER, POSITION_PATTERN, Replica, parse_position, writer
from infra.stores import Stores
from service.ledger import LedgerService
from service.passwords import Passwords
from service.sessions import Sessions

# Printable ASCII, which every client library sends unchanged; spaces only inside, because
# servers strip them from the ends of header values.
KEY_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]{0,126}[\x21-\x7e])?$"
KEY_DESCRIPTION = (
    "A client-chosen key (1-128 printable ASCII characters) that makes the write idempotent: "
    "a retry with the same key and body returns the first answer without a second effect; "
    "the same key with another body is refused (422 idempotency-key-reused)."
)

LedgerPosition = Annotated[
    str | None,
    HeaderParameter(
        name=POSITION_HEADER,
        required=False,
        pattern=POSITION_PATTERN,
        description=(
            "A write's `Ledger-Position` answer: the read reflects that write (and every one "
            "before it), whichever database serves it."
        ),
    ),
]

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=128,
        pattern=KEY_PATTERN,
        description=KEY_DESCRIPTION,
    ),
]


@dataclass(frozen=True)
class Services:
    """The pool, the write side and the security helpers of one running app."""

    settings: Settings
    pool: asyncpg.Pool
    ledger: LedgerService
    tokens: Tokens
    passwords: Passwords
    throttles: Throttles
    stores: Stores = field(default_factory=Stores)  # the store receipts this server verifies
    replica: Replica | None = None  # where reads go (None: all on `pool`)

    @property
    def catalog(self) -> Catalog:
        """The catalog commands are decided in (the ledger's: a live change shows at once)."""
        return self.ledger.catalog

    @property
    def item_codes(self) -> tuple[str, ...]:
        """The catalog's item codes, in catalog order."""
        return tuple(item.code for item in self.catalog.items)

    def wallet(self, balances: dict[str, int]) -> dict[str, int]:
        """Every catalog currency's balance, zeros included."""
        return {code: balances.get(code, 0) for code in self.catalog.currency_codes()}

    @cached_property
    def reads(self) -> Replica:
        """Where reads go: READ_DATABASE_URL's standby when it has the reader's writes."""
        return self.replica or Replica(self.pool)

    @cached_property
    def sessions(self) -> Sessions:
        """Logins, refresh rotation and revocation (service/sessions.py) over this app's parts."""
        return Sessions(self.pool, self.tokens, self.passwords, self.settings.refresh_ttl_seconds)

    @cached_property
    def trusted_proxies(self) -> tuple[Network, ...]:
        """TRUSTED_PROXIES as networks, parsed once (load_settings has validated them)."""
        return tuple(ipaddress.ip_network(entry) for entry in self.settings.trusted_proxies)


@dataclass(frozen=True, slots=True)
class Reader:
    """A read route's way to the database: a connection that has the caller's own last write
    and the one its `Ledger-Position` names (infra/replica.py)."""

    replica: Replica
    caller: str
    position: int | None

    def connection(self, *streams: str) -> AbstractAsyncContextManager[Conn]:
        """A connection that has seen the last write to `streams` this process knows."""
        return self.replica.connection([*streams, writer(self.caller)], self.position)


# Handler arguments filled by name from DEPENDENCIES.
Svc: TypeAlias = NamedDependency[Services]
Caller: TypeAlias = NamedDependency[Principal]
Read: TypeAlias = NamedDependency[Reader]


def _services(state: State) -> Services:
    services: Services = state.services
    return services


def _principal(request: Request[Any, Any, Any], services: Svc) -> Principal:
    # `services` only orders the two: Litestar resolves independent dependencies of a handler
    # concurrently in an anyio task group, which cost ~9% of a /balance request's CPU; a
    # dependency chain resolves them one after the other, with no tasks.
    del services
    return principal_of(request)


def _reader(principal: Caller, services: Svc, ledger_position: LedgerPosition = None) -> Reader:
    position = parse_position(ledger_position) if ledger_position else None
    return Reader(services.reads, principal.player_id, position)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address for the throttles: the peer's, or X-Forwarded-For's when the peer
    is one of TRUSTED_PROXIES (see api/http/limits.py)."""
    peer = request.client.host if request.client else "unknown"
    proxies = _services(request.app.state).trusted_proxies
    if not proxies:
        return peer
    return client_ip(peer, request.headers.getall("x-forwarded-for", []), proxies)


DEPENDENCIES = {
    "services": Provide(_services, sync_to_thread=False),
    "principal": Provide(_principal, sync_to_thread=False),
    "read": Provide(_reader, sync_to_thread=False),
}
