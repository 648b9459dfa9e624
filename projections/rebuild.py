"""Rebuild read models from the log without downtime: fill shadows, catch up, swap atomically.

The shadows are filled by the same folds on their own checkpoint ("<name>.shadow") while the
live projector keeps serving. The swap transaction takes the live projector's batch lock (so it
is between batches), catches the shadows up to the horizon, which is at or past the live
checkpoint, renames the tables and moves the checkpoint: readers see the old tables or the
complete new ones, never an empty or older state.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import structlog

from infra import eventstore_reads
from infra.db import Conn
from projections import cursor
from projections.model import Projection
from projections.progress import Progress
from projections.registry import select
from projections.runner import drain, step

_log = structlog.get_logger(__name__)
SWAP_ATTEMPTS = 20


class RebuildBusy(Exception):
    """Another rebuild of the same projection is running."""


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild did."""

    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        """Events folded per second."""
        return self.events / max(self.seconds, 1e-9)


ProgressFactory = Callable[[str, int], Progress | None]


async def rebuild(
    pool: asyncpg.Pool,
    names: list[str] | None = None,
    *,
    batch_size: int = 5000,
    progress: ProgressFactory = lambda label, total: None,
) -> list[RebuildReport]:
    """Rebuild the named projections (all by default), one after the other."""
    projections = select(names)
    async with pool.acquire() as conn:
        return [await _rebuild_one(conn, p, batch_size, progress) for p in projections]


async def _rebuild_one(
    conn: Conn, projection: Projection, batch_size: int, progress: ProgressFactory
) -> RebuildReport:
    started = time.monotonic()
    if not await conn.fetchval(
        "SELECT pg_try_advisory_lock($1, hashtext($2))", cursor.LOCK_REBUILD, projection.name
    ):
        raise RebuildBusy(f"a rebuild of {projection.name} is already running")
    try:
        await _prepare(conn, projection)
        bar = progress(projection.name, await eventstore_reads.count(conn))
        events = await _fill(conn, projection, batch_size, bar)
        caught_up = await _swap(conn, projection, batch_size)
        events += caught_up
        if bar is not None:
            bar.advance(caught_up)
            bar.finish()
    finally:
        await conn.execute(
            "SELECT pg_advisory_unlock($1, hashtext($2))", cursor.LOCK_REBUILD, projection.name
        )
    return RebuildReport(projection.name, events, time.monotonic() - started)


async def _prepare(conn: Conn, projection: Projection) -> None:
    """Fresh, empty shadow tables shaped like the live ones (a crashed rebuild's are dropped)."""
    shadow = projection.shadow()
    async with conn.transaction():
        for live, table in shadow.tables.items():
            await conn.execute(f'DROP TABLE IF EXISTS "{table}"')
            await conn.execute(f'CREATE TABLE "{table}" (LIKE "{live}" INCLUDING ALL)')
        await conn.execute("DELETE FROM projector_checkpoints WHERE name = $1", shadow.checkpoint)


async def _fill(conn: Conn, projection: Projection, batch_size: int, bar: Progress | None) -> int:
    """Fold the log into the shadows, up to at least what was committed when we started."""
    head = await cursor.head(conn)
    advance = bar.advance if bar is not None else lambda applied: None
    return await drain(conn, projection, projection.shadow(), batch_size, head, advance)


async def _swap(conn: Conn, projection: Projection, batch_size: int) -> int:
    """Swap shadows in, retrying when readers hold the tables too long (lock_timeout)."""
    for attempt in range(SWAP_ATTEMPTS):
        try:
            return await _swap_once(conn, projection, batch_size)
        except asyncpg.LockNotAvailableError:
            # Waiting longer would queue every new reader behind us: back off and retry.
            _log.warning("swap postponed", projector=projection.name, attempt=attempt)
            await asyncio.sleep(0.05 * (attempt + 1))
    raise RuntimeError(f"could not swap {projection.name}: its tables stayed busy")


async def _swap_once(conn: Conn, projection: Projection, batch_size: int) -> int:
    async with conn.transaction():
        await cursor.lock_batch(conn, projection.name)
        # Writers go on meanwhile: stop at the first partial batch (the horizon at that moment
        # is at or past where the live projector stopped, which is all the swap needs).
        caught_up, full = 0, True
        while full:
            result = await step(conn, projection, projection.shadow(), batch_size)
            caught_up, full = caught_up + result.applied, result.full
        await conn.execute("SET LOCAL lock_timeout = '2s'")
        tables = projection.shadow().tables
        names = ", ".join(f'"{n}"' for pair in tables.items() for n in pair)
        await conn.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        for live, shadow in tables.items():
            await conn.execute(f'DROP TABLE "{live}"')
            await conn.execute(f'ALTER TABLE "{shadow}" RENAME TO "{live}"')
            await _rename_indexes(conn, live, shadow)
        await _move_checkpoint(conn, projection)
    return caught_up


async def _rename_indexes(conn: Conn, live: str, shadow: str) -> None:
    """Give the swapped-in table's indexes their usual names (next shadow won't clash)."""
    rows = await conn.fetch(
        "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = $1::regclass",
        live,
    )
    for row in rows:
        name = row["name"].strip('"')
        if name.startswith(shadow):
            await conn.execute(f'ALTER INDEX "{name}" RENAME TO "{live}{name[len(shadow) :]}"')


_MOVE = """
WITH gone AS (DELETE FROM projector_checkpoints WHERE name = $2 RETURNING *)
INSERT INTO projector_checkpoints
       (name, transaction_id, global_position, events_applied, updated_at, last_event_at)
SELECT $1, transaction_id, global_position, events_applied, now(), last_event_at FROM gone
"""


async def _move_checkpoint(conn: Conn, projection: Projection) -> None:
    # The live row goes first: if the shadow saw no event at all, the live tables are empty
    # and their checkpoint must be the start of the cursor.
    await conn.execute("DELETE FROM projector_checkpoints WHERE name = $1", projection.name)
    await conn.execute(_MOVE, projection.name, projection.shadow().checkpoint)
