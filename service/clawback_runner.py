"""The clawback runner: works every open clawback's list to its end, one step at a time.

A writer, so it lives on the write side; it runs beside the sweeper and the expirer
(service/bootstrap.py `writers`), in one process per database at a time (an advisory lock
elects it, projections/leadership.py). Safety never rests on that lock: each step appends to
the clawback's stream at the version it read and claims the transfer's `reversal:` stream, so a
second runner, or a runner resumed after a crash, repeats nothing. It keeps nothing in memory:
every tick it reads the open clawbacks and each one's head from the log.
"""

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
import structlog

from domain.clawback import progress_of
from domain.clawback_events import ClawbackStarted
from domain.commands import ClawbackStep
from infra import clawback_reads, eventstore
from service.clawback import Stepped
from service.job import Sender
from service.ledger import LedgerService
from service.sweeper import Elector

ROLE = "clawbacks"
_log = structlog.get_logger(__name__)


async def work_clawback(
    pool: asyncpg.Pool,
    ledger: LedgerService,
    stream: str,
    stop: asyncio.Event | None = None,
    on_step: Callable[[Stepped], None] | None = None,
) -> int:
    """Send the clawback's remaining steps in order (until `stop`), telling `on_step` of each;
    how many were sent."""
    async with pool.acquire() as conn:
        first = await eventstore.read_at(conn, stream, 1)
        head = await eventstore.latest(conn, stream)
    if first is None or not isinstance(first.event, ClawbackStarted):
        return 0
    started, progress = first.event, progress_of(head)
    sent = 0
    for index in range(progress.done, len(started.targets)):
        if stop is not None and stop.is_set():
            break
        target = started.targets[index]
        step = ClawbackStep(
            clawback_id=started.clawback_id,
            index=index,
            player_id=target.player_id,
            transfer_id=target.transfer_id,
            reason=started.reason,
            actor=started.actor,
        )
        stepped = await ledger.handle(step, caller=Sender(started.actor, "admin"))
        sent += 1
        if on_step is not None:
            on_step(stepped)
    return sent


async def work_open(pool: asyncpg.Pool, ledger: LedgerService, stop: asyncio.Event) -> int:
    """Work every open clawback, oldest first; how many steps were sent."""
    async with pool.acquire() as conn:
        streams = await clawback_reads.open_clawbacks(conn)
    sent = 0
    for stream in streams:
        steps = await work_clawback(pool, ledger, stream, stop)
        if steps:
            _log.info("clawback worked", stream=stream, steps=steps)
        sent += steps
    return sent


async def run_clawbacks(
    pool: asyncpg.Pool,
    ledger: LedgerService,
    stop: asyncio.Event,
    *,
    leader: Elector,
    interval: float = 1.0,
) -> None:
    """Work open clawbacks every `interval` seconds while this process holds the role."""
    while not stop.is_set():
        try:
            if await leader.holds(ROLE):
                await work_open(pool, ledger, stop)
        except Exception:  # the runner must outlive a database hiccup
            _log.exception("clawback failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
