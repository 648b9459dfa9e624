"""Wake-ups for projectors: a coalesced NOTIFY after commits.

Writers do not NOTIFY inside their own transactions: PostgreSQL serialises the commits of
notifying transactions on one global lock, which would cap write throughput near the fsync rate
(the hot-spot we avoid for the treasury). Instead each process sends at most one NOTIFY per
`interval` from a separate autocommit connection after its commits; projectors also poll.
"""

import asyncio
import contextlib

import asyncpg

CHANNEL = "gameledger_events"


class Waker:
    """Coalesces many commit signals into few NOTIFYs."""

    def __init__(self, pool: asyncpg.Pool, interval: float = 0.002) -> None:
        self._pool = pool
        self._interval = interval
        self._pending = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        """Note that something committed; a NOTIFY follows shortly."""
        self._pending.set()

    async def start(self) -> None:
        """Begin sending NOTIFYs in the background."""
        self._task = asyncio.create_task(self._loop(), name="waker")

    async def stop(self) -> None:
        """Stop the background task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            with contextlib.suppress(Exception):  # a missed wake-up only costs one poll
                await self._pool.execute("SELECT pg_notify($1, '')", CHANNEL)
            await asyncio.sleep(self._interval)
