"""The sweeper: refills treasury shards with the purchase income the projection has folded.

A writer, so it lives on the write side; the projector runner starts it with the expirer
(service/bootstrap.py `writers`, handed to projections/runner.py as `RunnerOptions.sweeper`, so
the read side never imports the write side).

It must be a single writer (an advisory lock elects it), and it may move only
`inflow_credited` (folded so far, never ahead of the log) minus what its own stream says it
swept already: never more than inflow truly holds.
"""

import asyncio
import contextlib
import time
from typing import Protocol

import asyncpg
import structlog

from domain.assets import CURRENCY
from domain.commands import Sweep
from domain.errors import StreamVersionConflict
from infra import eventstore
from infra.config import Settings
from infra.db import Conn
from service.ledger import LedgerService

ROLE = "sweeper"
PURGE_EVERY_SECONDS = 3600.0
_log = structlog.get_logger(__name__)

_CREDITED = "SELECT inflow_credited FROM rm_treasury WHERE asset = $1"


class Elector(Protocol):
    """Decides whether this process is the active holder of a role."""

    async def holds(self, role: str) -> bool: ...

    def wake_all(self) -> None: ...


async def inflow_credited(conn: Conn, currency: str = CURRENCY) -> int:
    """What the treasury projection has seen credited to inflow, in a currency."""
    value = await conn.fetchval(_CREDITED, currency)
    return int(value or 0)


async def sweep_once(pool: asyncpg.Pool, ledger: LedgerService) -> int:
    """One refill per currency; the amount moved (0 when nothing new or a shard moved first)."""
    moved = 0
    for currency in ledger.catalog.currency_codes():
        async with pool.acquire() as conn:
            credited = await inflow_credited(conn, currency)
        if credited <= 0:
            continue
        try:
            moved += (await ledger.handle(Sweep(inflow_credited=credited, currency=currency))).moved
        except StreamVersionConflict:  # a top-up drew from the shard meanwhile: next tick
            continue
    return moved


async def purge_keys(pool: asyncpg.Pool, retention_days: int) -> int:
    """IDEMPOTENCY_RETENTION_DAYS: forget older keys (the sweeper's role does it hourly)."""
    async with pool.acquire() as conn:
        removed = await eventstore.purge_idempotency_keys(conn, retention_days)
    if removed:
        _log.info("idempotency keys purged", count=removed, older_than_days=retention_days)
    return removed


async def run_sweeper(
    pool: asyncpg.Pool,
    ledger: LedgerService,
    settings: Settings,
    stop: asyncio.Event,
    *,
    leader: Elector,
    interval: float = 1.0,
) -> None:
    """Sweep every `interval` seconds while this process holds the sweeper role."""
    aligned = False
    next_purge = 0.0
    while not stop.is_set():
        try:
            if await leader.holds(ROLE):
                if not aligned:
                    await ledger.align_with_genesis()
                    aligned = True
                await ledger.refresh_catalog()  # a currency applied since gets swept too
                moved = await sweep_once(pool, ledger)
                if moved:
                    _log.info("swept", amount=moved)
                if settings.idempotency_retention_days and time.monotonic() >= next_purge:
                    next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                    await purge_keys(pool, settings.idempotency_retention_days)
        except Exception:  # the sweeper must outlive a database hiccup
            _log.exception("sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
