"""The expirer: voids holds whose expiry has passed, as `expire` commands on the pipeline.

A writer, so it lives on the write side; the projector runner starts it beside the sweeper
(service/writers.py). One process at a time holds its role (an advisory lock), but safety never
rests on that: an expiry appends the hold's version 2 like a capture or a void, so whichever
comes first wins and the others are refused. It is durable because it keeps nothing in memory:
every tick it re-reads the due holds from the holds read model, so after a restart (or a
takeover by another process) it finds the ones still pending.
"""

import asyncio
import contextlib
from datetime import datetime

import asyncpg
import structlog

from domain.commands import CloseHold
from domain.errors import DomainError
from infra.config import Settings
from infra.db import Conn
from service.ledger import LedgerService
from service.pipeline import utc_now
from service.sweeper import Elector

ROLE = "expirer"
ACTOR = "expirer"
BATCH = 500
_log = structlog.get_logger(__name__)

# The holds projection's table (projections/holds.py): read here as the sweeper reads
# rm_treasury, so the write side does not import the read side.
_DUE = """
SELECT hold_id FROM rm_holds WHERE status = 'pending' AND expires_at <= $1
 ORDER BY expires_at LIMIT $2
"""


async def due(conn: Conn, now: datetime, limit: int = BATCH) -> list[str]:
    """Pending holds whose expiry has passed, oldest first."""
    return [r["hold_id"] for r in await conn.fetch(_DUE, now, limit)]


async def expire_due(pool: asyncpg.Pool, ledger: LedgerService, now: datetime | None = None) -> int:
    """Expire every pending hold due at `now`; how many this call expired."""
    async with pool.acquire() as conn:
        found = await due(conn, now or utc_now())
    expired = 0
    for hold_id in found:
        try:
            await ledger.close_hold(CloseHold(hold_id=hold_id, outcome="expire"), ACTOR)
            expired += 1
        except DomainError:  # captured or voided first (the read model lagged): nothing to do
            continue
    return expired


async def run_expirer(
    pool: asyncpg.Pool,
    settings: Settings,
    stop: asyncio.Event,
    *,
    leader: Elector,
    interval: float = 1.0,
) -> None:
    """Expire due holds every `interval` seconds while this process holds the expirer role."""
    ledger = LedgerService.configured(pool, settings, on_commit=leader.wake_all)
    while not stop.is_set():
        try:
            if await leader.holds(ROLE) and (count := await expire_due(pool, ledger)):
                _log.info("holds expired", count=count)
        except Exception:  # the expirer must outlive a database hiccup
            _log.exception("expiry failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
