"""How the read side's long-running loops (projectors, feed, webhooks) wait, pace themselves
after each batch, back off after a failure and restart until signalled."""

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import structlog

from infra import collector
from infra.config import Settings
from infra.db import create_pool
from projections import cursor
from projections.cursor import Step

_log = structlog.get_logger(__name__)


async def wait(stop: asyncio.Event, seconds: float, *wakes: asyncio.Event) -> None:
    """Sleep for `seconds` or until `stop` or any of `wakes`, whichever comes first."""
    waiters = [asyncio.ensure_future(e.wait()) for e in (stop, *wakes)]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def backoff(failures: int, most: float) -> float:
    """Seconds to wait after `failures` failures in a row: doubling from 0.1, up to `most`."""
    return min(most, 0.05 * 2.0 ** min(failures, 7))


class Pace:
    """How long a loop tailing the log rests after a step: not at all after a full batch;
    briefly, backing off, while committed rows wait behind an open writer; otherwise until
    woken (a NOTIFY) or `poll` seconds. After a batch that was not full it waits `settle`
    seconds more, so the commits of that time come in one batch instead of one each."""

    def __init__(self, poll: float, busy: float, settle: float = 0.0) -> None:
        self.poll, self.busy, self.settle = poll, busy, settle
        self.idle = 0  # steps in a row that applied nothing

    async def rest(self, step: Step, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Wait as `step` calls for."""
        if step.full:
            return
        self.idle = 0 if step.applied else min(self.idle + 1, 8)
        pause = min(self.poll, self.busy * 2**self.idle) if step.pending else self.poll
        await wait(stop, pause, wake)
        if step.applied and self.settle and not stop.is_set():
            await wait(stop, self.settle)


async def until_signalled(what: str, run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """`run(stop)` until SIGINT or SIGTERM sets `stop`, started over with back-off after a
    failure (the projectors, the feed)."""
    collector.settle()
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


@contextlib.asynccontextmanager
async def pool_for(
    dsn_or_pool: str | asyncpg.Pool, settings: Settings, size: int, application: str
) -> AsyncIterator[asyncpg.Pool]:
    """The given pool, or one of `size` connections opened (and closed after) for the loops,
    named `application` in `pg_stat_activity`."""
    if isinstance(dsn_or_pool, asyncpg.Pool):
        yield dsn_or_pool
        return
    pool = await create_pool(
        dsn_or_pool, settings, min_size=1, max_size=size, application=application
    )
    try:
        yield pool
    finally:
        await pool.close()


async def record_error(pool: asyncpg.Pool, name: str, error: BaseException) -> None:
    """Show a loop's last failure in the projector table (cleared by its next batch)."""
    try:
        async with pool.acquire() as conn:
            await cursor.record_error(conn, name, error)
    except Exception:  # the database itself may be what failed
        _log.debug("could not record the error", role=name)
