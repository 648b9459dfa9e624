"""The live catalog: its versions in the `catalog` stream, what players hold, and the follower
that brings every process's copy up to date within a second (infra/follower.py)."""

from collections.abc import Callable

from domain import accounts
from domain.assets import Catalog
from domain.events import CatalogApplied
from infra import eventstore
from infra.db import Conn
from infra.follower import Connect, Follower

CHANNEL = "gameledger_catalog"
_NOTIFY = "SELECT pg_notify($1, '')"
# What players (and holds) hold of each asset: issued - shards - inflow, per the projection.
_HELD = "SELECT asset, circulating FROM rm_treasury"


async def head(conn: Conn) -> Catalog | None:
    """The newest catalog applied while running (None: the configured file still rules)."""
    latest = await eventstore.latest(conn, accounts.CATALOG_STREAM)
    if latest is None or not isinstance(latest.event, CatalogApplied):
        return None
    return latest.event.catalog


async def versions(conn: Conn, base: Catalog) -> dict[int, Catalog]:
    """Every catalog by version: `base` (the configured file) as 0, then each one applied."""
    found = {0: base}
    for stored in await eventstore.read_stream(conn, accounts.CATALOG_STREAM):
        event = stored.event
        if isinstance(event, CatalogApplied):
            found[event.catalog.version] = event.catalog
    return found


async def held(conn: Conn) -> dict[str, int]:
    """Per asset, what is outside the treasury and its issuer (what a change must not orphan)."""
    return {r["asset"]: r["circulating"] for r in await conn.fetch(_HELD)}


async def notify(conn: Conn) -> None:
    """Wake every process's follower (after the new version committed)."""
    await conn.execute(_NOTIFY, CHANNEL)


class CatalogFollower(Follower):
    """Hands each newer catalog version to `on_change`: LISTEN, re-read, poll."""

    channel = CHANNEL
    name = "catalog"

    def __init__(self, connect: Connect, on_change: Callable[[Catalog], None]) -> None:
        super().__init__(connect, poll=0.5, max_age=1.0)
        self._on_change = on_change
        self._version = 0

    async def read(self, conn: Conn, began: float) -> None:
        """One head read; a newer version goes to `on_change`."""
        del began
        catalog = await head(conn)
        if catalog is not None and catalog.version > self._version:
            self._version = catalog.version
            self._on_change(catalog)
