"""The projector runner: each projection tails the log on its own checkpoint, exactly once.

One batch is one transaction: take the projector's transaction lock, re-read its checkpoint,
read up to `batch_size` events below the horizon, write the read model set-based, move the
checkpoint. A second process waits on the lock and then sees the moved checkpoint, so a batch
is never applied twice; a process killed mid-batch leaves nothing behind.
"""

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import structlog

from infra.config import Settings
from infra.db import Conn, create_pool
from projections import cursor
from projections.leadership import Leadership
from projections.model import Projection, Tables
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


@dataclass(frozen=True)
class StepResult:
    """What one batch did."""

    applied: int
    full: bool
    pending: bool
    position: int = 0


async def step(
    conn: Conn, projection: Projection, *, checkpoint: str, tables: Tables, limit: int
) -> StepResult:
    """Apply the next batch (if any) and move the checkpoint, in one transaction."""
    async with conn.transaction():
        await cursor.lock_batch(conn, checkpoint)
        batch = await cursor.read_after(conn, await cursor.load(conn, checkpoint), limit)
        full = len(batch.events) == limit
        waiting = not full and await cursor.pending(conn, batch.last)
        if batch.events:
            await projection.apply(conn, batch.events, tables)
            await cursor.save(conn, checkpoint, batch)
    return StepResult(
        applied=len(batch.events), full=full, pending=waiting, position=batch.last.global_position
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
            total += await drain(
                conn,
                projection,
                checkpoint=projection.name,
                tables=projection.live(),
                batch_size=batch_size,
                target=await cursor.head(conn) if wait_for_writers else 0,
            )
    return total


async def drain(
    conn: Conn,
    projection: Projection,
    *,
    checkpoint: str,
    tables: Tables,
    batch_size: int,
    target: int,
    progress: Callable[[int], None] = lambda applied: None,
) -> int:
    """Apply batches until none is full and every event up to position `target` is in."""
    total = 0
    while True:
        result = await step(
            conn, projection, checkpoint=checkpoint, tables=tables, limit=batch_size
        )
        total += result.applied
        progress(result.applied)
        if result.full:
            continue
        if not (result.pending and await cursor.behind(conn, checkpoint, target)):
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
    async with _pool(dsn_or_pool, settings, len(projections) + 3) as pool:
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
                group.create_task(_watch(leader, stop, opts.standby_interval), name="leadership")
        finally:
            await leader.close()


async def _await(work: Awaitable[None]) -> None:
    await work


async def serve(dsn: str, settings: Settings, options: RunnerOptions | None = None) -> None:
    """Run the projectors until SIGINT or SIGTERM, restarting them after a failure."""
    await until_signalled("projectors", lambda stop: run_projectors(dsn, settings, stop, options))


async def until_signalled(what: str, run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """`run(stop)` until SIGINT or SIGTERM sets `stop`, started over with back-off after a
    failure (the projectors, the feed)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    delay = 0.5
    try:
        while not stop.is_set():
            try:
                await run(stop)
            except Exception:  # e.g. the database is away: wait and start over
                _log.exception(f"{what} stopped; restarting", delay=delay)
                await wait(stop, delay)
                delay = min(delay * 2, 30.0)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _projector_loop(
    pool: asyncpg.Pool,
    projection: Projection,
    wake: asyncio.Event,
    leader: Leadership,
    stop: asyncio.Event,
    opts: RunnerOptions,
) -> None:
    logger = _log.bind(projector=projection.name)
    failures = idle = 0
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
            await _record(pool, projection.name, error)
            await wait(stop, min(5.0, 0.05 * 2 ** min(failures, 7)))
            continue
        if result.full:
            continue
        # Rows held back by an open writer: look again soon, backing off if it stays open.
        idle = 0 if result.applied else min(idle + 1, 8)
        pause = min(opts.poll_interval, opts.busy_interval * 2**idle)
        await wait(stop, pause if result.pending else opts.poll_interval, wake)
        if result.applied and not stop.is_set():
            await wait(stop, opts.settle_interval)


async def _one_batch(pool: asyncpg.Pool, projection: Projection, limit: int) -> StepResult:
    async with pool.acquire() as conn:
        return await step(
            conn, projection, checkpoint=projection.name, tables=projection.live(), limit=limit
        )


async def _record(pool: asyncpg.Pool, name: str, error: BaseException) -> None:
    with contextlib.suppress(Exception):  # the database itself may be what failed
        async with pool.acquire() as conn:
            await cursor.record_error(conn, name, error)


async def _watch(leader: Leadership, stop: asyncio.Event, interval: float) -> None:
    while not stop.is_set():
        await wait(stop, interval)
        await leader.check()


async def wait(stop: asyncio.Event, seconds: float, *wakes: asyncio.Event) -> None:
    """Sleep for `seconds` or until `stop` or any of `wakes`, whichever comes first."""
    waiters = [asyncio.ensure_future(e.wait()) for e in (stop, *wakes)]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


@contextlib.asynccontextmanager
async def _pool(
    dsn_or_pool: str | asyncpg.Pool, settings: Settings, size: int
) -> AsyncIterator[asyncpg.Pool]:
    if isinstance(dsn_or_pool, asyncpg.Pool):
        yield dsn_or_pool
        return
    pool = await create_pool(dsn_or_pool, settings, min_size=1, max_size=size)
    try:
        yield pool
    finally:
        await pool.close()
