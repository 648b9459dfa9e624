"""The projector runner: each projection tails the log on its own checkpoint, exactly once.

One batch is one transaction: take the projector's transaction lock, re-read its checkpoint,
read up to `batch_size` events below the horizon, write the read model set-based, move the
checkpoint. A second process waits on the lock and then sees the moved checkpoint, so a batch
is never applied twice; a process killed mid-batch leaves nothing behind.

A running service steps every projection it is active for together (`step_together`): the
same transaction for all of them, the log read once, one statement for the locks and one for the
checkpoints. Eight projectors each reading, checking and committing on their own had cost more
than their writes (issue 22). A projection that fails steps alone and rests, backing off, while
the others go on together.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import structlog

from infra.config import Settings
from infra.db import Conn
from projections import cursor
from projections.cursor import Step
from projections.held import Held
from projections.leadership import Leadership
from projections.loops import Pace, pool_for, record_error, until_signalled, wait
from projections.model import Projection, Target
from projections.registry import PROJECTIONS, select

_log = structlog.get_logger(__name__)
# How the projectors' connections show in `pg_stat_activity` (and in the bench's CPU split).
PROJECTORS_APPLICATION = "gameledger-projectors"


class Sweeper(Protocol):
    """A background writer run beside the projectors while this process holds its role."""

    def __call__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        stop: asyncio.Event,
        *,
        leader: Leadership,
        interval: float = 1.0,
    ) -> Awaitable[None]: ...


@dataclass(frozen=True)
class RunnerOptions:
    """Tunables of the runner (defaults suit production; tests shorten the waits)."""

    names: tuple[str, ...] = tuple(PROJECTIONS)
    batch_size: int = 1000
    poll_interval: float = 0.5  # backstop when idle: a NOTIFY normally wakes us first
    busy_interval: float = 0.005  # committed rows wait behind an open writer: look again soon
    # After a batch that was not full, wait this long before the next read: the commits of that
    # time come in one batch (one transaction, one checkpoint write) instead of one each.
    settle_interval: float = 0.02
    standby_interval: float = 1.0
    # The write side's background writers (service/bootstrap.py `writers`: the sweeper and the
    # expirer, each under its own role), started beside the projectors; None: none.
    sweeper: "Sweeper | None" = None
    sweep_interval: float = 1.0


async def step(conn: Conn, projection: Projection, into: Target, limit: int) -> Step:
    """Apply the next batch (if any) and move the checkpoint, in one transaction."""
    async with conn.transaction():
        await cursor.lock_batch(conn, into.checkpoint)
        batch, result = await cursor.next_batch(conn, into.checkpoint, limit)
        if batch.events:
            await projection.apply(conn, batch.events, into.tables)
            await cursor.save(conn, into.checkpoint, batch)
    return result


async def step_together(conn: Conn, projections: Sequence[Projection], limit: int) -> Step:
    """The next batch of every projection in one transaction (issue 22): the batch locks taken
    and the checkpoints read in one statement each, the log read once for the projections at
    one checkpoint (all of them, once they run together), every model written, and their
    checkpoints moved in one statement. A failure writes nothing: the caller then steps each
    projection alone (`step`), so only the failing one stalls."""
    names = [p.name for p in projections]
    steps: list[Step] = []
    async with conn.transaction():
        await cursor.lock_batches(conn, names)
        cursors = await cursor.load_many(conn, names)
        at: dict[cursor.Cursor, list[Projection]] = {}
        for projection in projections:
            at.setdefault(cursors[projection.name], []).append(projection)
        for start, members in sorted(at.items()):
            batch = await cursor.read_after(conn, start, limit)
            full = len(batch.events) >= limit
            if batch.events:
                for projection in members:
                    await projection.apply(conn, batch.events, projection.live().tables)
                await cursor.save_many(conn, [p.name for p in members], batch)
            waiting = not full and await cursor.pending(conn, batch.last)
            steps.append(Step(len(batch.events), full, waiting, batch.last.global_position))
    return _merged(steps)


def _merged(steps: Sequence[Step]) -> Step:
    """One step standing for several taken together (the loop paces itself by it)."""
    return Step(
        applied=max(s.applied for s in steps),
        full=any(s.full for s in steps),
        pending=any(s.pending for s in steps),
        position=max(s.position for s in steps),
    )


async def catch_up(
    pool: asyncpg.Pool,
    names: Iterable[str] | None = None,
    *,
    batch_size: int = 1000,
    wait_for_writers: bool = True,
) -> int:
    """Project everything committed so far (tests, tools); the number of events applied.

    The horizon is cluster-wide: a transaction open in any database holds it back. With
    `wait_for_writers`, events committed before the call are waited for, not left behind.
    """
    total = 0
    for projection in select(list(names) if names else None):
        async with pool.acquire() as conn:
            head = await cursor.head(conn) if wait_for_writers else 0
            total += await drain(conn, projection, projection.live(), batch_size, head)
    return total


async def drain(
    conn: Conn,
    projection: Projection,
    into: Target,
    batch_size: int,
    head: int,
    progress: Callable[[int], None] = lambda applied: None,
) -> int:
    """Apply batches until none is full and every event up to position `head` is in."""
    total = 0
    while True:
        result = await step(conn, projection, into, batch_size)
        total += result.applied
        progress(result.applied)
        if result.full:
            continue
        if not (result.pending and await cursor.behind(conn, into.checkpoint, head)):
            return total
        await asyncio.sleep(0.005)  # a writer that committed before `target` is still open


async def run_projectors(
    dsn_or_pool: str | asyncpg.Pool,
    settings: Settings,
    stop: asyncio.Event,
    options: RunnerOptions | None = None,
) -> None:
    """Run every projector (and the background writers) until `stop` is set."""
    opts = options or RunnerOptions()
    projections = select(opts.names)
    # One connection for the leadership, one for the batches, the rest for the writers.
    async with pool_for(dsn_or_pool, settings, 6, PROJECTORS_APPLICATION) as pool:
        wake = asyncio.Event()
        leader = Leadership(pool, [wake])
        try:
            async with asyncio.TaskGroup() as group:
                loop = _projectors_loop(pool, projections, wake, leader, stop, opts)
                group.create_task(loop, name="projectors")
                if opts.sweeper is not None:
                    run = opts.sweeper(
                        pool, settings, stop, leader=leader, interval=opts.sweep_interval
                    )
                    group.create_task(_await(run), name="sweeper")
                watch = leader.watch(stop, opts.standby_interval)
                group.create_task(watch, name="leadership")
        finally:
            await leader.close()


async def _await(work: Awaitable[None]) -> None:
    await work


async def serve(dsn: str, settings: Settings, options: RunnerOptions | None = None) -> None:
    """Run the projectors until SIGINT or SIGTERM, restarting them after a failure."""
    await until_signalled("projectors", lambda stop: run_projectors(dsn, settings, stop, options))


async def _projectors_loop(
    pool: asyncpg.Pool,
    projections: Sequence[Projection],
    wake: asyncio.Event,
    leader: Leadership,
    stop: asyncio.Event,
    opts: RunnerOptions,
) -> None:
    """Every projection this process is active for, stepped together; one that fails steps
    alone and rests (backing off) while the others go on."""
    pace, held = (
        Pace(opts.poll_interval, opts.busy_interval, opts.settle_interval),
        Held(projections, leader, opts.standby_interval),
    )
    while not stop.is_set():
        wake.clear()
        try:
            ready = await held.now()
        except Exception:  # the control connection failed: Leadership starts over
            _log.exception("could not ask for the projectors' roles")
            await wait(stop, opts.standby_interval)
            continue
        if not ready:  # standing by, or every projection held is resting after a failure
            await wait(stop, held.until_ready() if leader.held else opts.standby_interval)
            continue
        result = await _batch(pool, ready, held, opts.batch_size)
        if result.applied:
            _log.debug("batch", size=result.applied, position=result.position)
        await pace.rest(result, stop, wake)


async def _batch(pool: asyncpg.Pool, ready: list[Projection], held: Held, limit: int) -> Step:
    """One step of `ready` together; after a failure, each alone (module doc)."""
    try:
        async with pool.acquire() as conn:
            result = await step_together(conn, ready, limit)
        held.succeeded(p.name for p in ready)
        return result
    except Exception as error:
        if len(ready) == 1:
            await _failed(pool, ready[0], held, error)
            return Step(0, False, False)
        _log.warning("the projectors' batch failed; stepping each alone", exc_info=error)
    steps = []
    for projection in ready:
        try:
            steps.append(await _one_batch(pool, projection, limit))
            held.succeeded([projection.name])
        except Exception as error:  # a projector must survive anything and say why it stalls
            await _failed(pool, projection, held, error)
    if not steps:
        return Step(0, False, False)
    return _merged(steps)


async def _failed(pool: asyncpg.Pool, projection: Projection, held: Held, error: Exception) -> None:
    """Log and show a projection's failure; it rests (backing off) before its next batch."""
    pause = held.failed(projection.name)
    _log.error(
        "batch failed",
        projector=projection.name,
        failures=held.failures[projection.name],
        resting=pause,
        exc_info=error,
    )
    await record_error(pool, projection.name, error)


async def _one_batch(pool: asyncpg.Pool, projection: Projection, limit: int) -> Step:
    async with pool.acquire() as conn:
        return await step(conn, projection, projection.live(), limit)
