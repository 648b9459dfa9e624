"""What every command's file needs besides its command: the economy, the clock, ids and roles."""

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from domain.assets import CURRENCY, Catalog
from domain.clawback_events import ClawbackFilter
from domain.commands import EconomyRules
from domain.events import Transferred
from domain.roles import FixedRoles, Roles
from service.shards import ShardPicker


class Parties:
    """The player streams each escrow stream (a hold, a trade offer) involves, as this process
    placed or last read them: what closing it will read, so its job names them up front and
    loads everything in one round trip. Only a hint (a party never changes, and a stream named
    wrongly or not at all is read when asked for); the oldest entries go past `limit`."""

    def __init__(self, limit: int = 100_000) -> None:
        self._known: dict[str, tuple[str, ...]] = {}
        self._limit = limit

    def of(self, escrow: str) -> tuple[str, ...]:
        """The parties' streams, if known here."""
        return self._known.get(escrow, ())

    def remember(self, escrow: str, streams: tuple[str, ...]) -> tuple[str, ...]:
        """Note `streams` as the escrow's parties; the streams."""
        if escrow not in self._known and len(self._known) >= self._limit:
            del self._known[next(iter(self._known))]
        self._known[escrow] = streams
        return streams


async def _nobody_holds() -> dict[str, int]:
    return {}


async def _no_log(_filter: ClawbackFilter) -> tuple[int, list[tuple[str, Transferred]]]:
    raise NotImplementedError("clawbacks read the log in PostgreSQL")


@dataclass
class Context:
    """The economy a command is decided in, and where its time, ids and first shard come from."""

    catalog: Catalog
    rules: EconomyRules
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    shards: ShardPicker  # diamond's
    others: dict[str, ShardPicker] = field(default_factory=dict)
    # A draw in [0, n): the OS CSPRNG; tests inject a fixed sequence.
    roll: Callable[[int], int] = secrets.randbelow
    # The service and admin accounts, which hold no wallet: the API's followed copy
    # (infra/roles.py); tools and tests that name none have nobody privileged.
    roles: Roles = field(default_factory=FixedRoles)
    parties: Parties = field(default_factory=Parties)
    # What players (and holds) hold of each asset, which a catalog change must not orphan:
    # the treasury read model's count over PostgreSQL (service/catalog.py).
    holdings: Callable[[], Awaitable[dict[str, int]]] = _nobody_holds
    # The transfers a clawback's filter matches now, and the log position it read up to
    # (service/clawback.py `targets`, over PostgreSQL).
    clawback_targets: Callable[
        [ClawbackFilter], Awaitable[tuple[int, list[tuple[str, Transferred]]]]
    ] = _no_log
    base_catalog: Catalog = field(init=False)  # version 0: the configured file

    def __post_init__(self) -> None:
        self.base_catalog = self.catalog

    def picker(self, currency: str) -> ShardPicker:
        """The shard picker of a currency's treasury (each currency has its own shards)."""
        if currency == CURRENCY:
            return self.shards
        return self.others.setdefault(currency, ShardPicker(self.shards.count, self.shards.home))
