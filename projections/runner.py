"""The projector runner: each projection tails the log on its own checkpoint, exactly once.

One batch is one transaction: take the projector's transaction lock, re-read its checkpoint,
read up to `batch_size` events below the horizon, write the read model set-based, move the
checkpoint. A second process waits on the lock and then sees the moved checkpoint, so a batch
is never applied twice; a process killed mid-batch leaves nothing behind.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import structlog

from infra.config import Settings
from infra.db import Conn
from projections import cursor
from projections.cursor import Step
from projections.leadership import Leadership
from projections.loops import Pace, backoff, pool_for, record_error, until_signalled, wait
from projections.model import Projection, Target
from projections.registry import PROJECTIONS, select

_log = structlog.get_logger(__name__)


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
    async with pool_for(dsn_or_pool, settings, len(projections) + 3) as pool:
        wakes = {p.name: asyncio.Event() for p in projections}
        leader = Leadership(pool, wakes.values())
        try:
            async with asyncio.TaskGroup() as group:
                for projection in projections:
                    loop = _projector_loop(
                        pool, projection, wakes[projection.name], leader, stop, opts
                    )
                    group.create_task(loop, name=f"projector:{projection.name}")
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


async def _projector_loop(
    pool: asyncpg.Pool,
    projection: Projection,
    wake: asyncio.Event,
    leader: Leadership,
    stop: asyncio.Event,
    opts: RunnerOptions,
) -> None:
    logger = _log.bind(projector=projection.name)
    pace, failures = Pace(opts.poll_interval, opts.busy_interval, opts.settle_interval), 0
    while not stop.is_set():
        wake.clear()
        try:
            if not await leader.holds(projection.name):
                await wait(stop, opts.standby_interval)  # standing by: try again later
                continue
            result = await _one_batch(pool, projection, opts.batch_size)
            failures = 0
            if result.applied:
                logger.debug("batch", size=result.applied, position=result.position)
        except Exception as error:  # a projector must survive anything and say why it stalls
            failures += 1
            logger.exception("batch failed", failures=failures)
            await record_error(pool, projection.name, error)
            await wait(stop, backoff(failures, 5.0))
            continue
        await pace.rest(result, stop, wake)


async def _one_batch(pool: asyncpg.Pool, projection: Projection, limit: int) -> Step:
    async with pool.acquire() as conn:
        return await step(conn, projection, projection.live(), limit)
