"""Active/standby per role, and wake-ups, over one dedicated connection.

A session advisory lock per role (a projector's name, "sweeper") makes one process active; the
others stand by and take over when its session ends. Correctness never rests on this lock
(each batch holds a transaction lock and re-reads its checkpoint); it only keeps standbys from
contending. The same connection LISTENs for the writers' NOTIFY.
"""

import asyncio
import contextlib
from collections.abc import Iterable

import asyncpg
import structlog

from infra.waker import CHANNEL
from projections.cursor import LOCK_ACTIVE
from projections.loops import wait

_log = structlog.get_logger(__name__)


class Leadership:
    """Which roles this process holds, and the events to set when the log moves."""

    def __init__(self, pool: asyncpg.Pool, wakes: Iterable[asyncio.Event]) -> None:
        self._pool = pool
        self._wakes = list(wakes)
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None
        self._io = asyncio.Lock()  # one query at a time on the shared connection
        self.held: set[str] = set()

    def wake_all(self) -> None:
        """Wake every loop waiting for new events."""
        for event in self._wakes:
            event.set()

    async def holds(self, role: str) -> bool:
        """True when this process is (or has just become) active for `role`."""
        if role in self.held:
            return True
        async with self._io:
            conn = await self._connection()
            got = await conn.fetchval(
                "SELECT pg_try_advisory_lock($1, hashtext($2))", LOCK_ACTIVE, role
            )
        if got:
            self.held.add(role)
            _log.info("active", role=role)
        return bool(got)

    async def check(self) -> None:
        """Notice a lost session (its locks are gone with it) and start over on a new one."""
        async with self._io:
            try:
                if self._conn is not None:
                    await self._conn.fetchval("SELECT 1", timeout=5)
            except Exception:  # dropped, timed out, terminated: all mean the locks may be gone
                _log.warning("control connection lost; standing by", roles=sorted(self.held))
                await self._drop()

    async def watch(self, stop: asyncio.Event, interval: float) -> None:
        """`check` every `interval` seconds until `stop`."""
        while not stop.is_set():
            await wait(stop, interval)
            await self.check()

    async def close(self) -> None:
        """Release every role (closing the session would too) and the connection."""
        async with self._io:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    await self._conn.execute("SELECT pg_advisory_unlock_all()")
            await self._drop()

    async def _connection(self) -> asyncpg.pool.PoolConnectionProxy:
        if self._conn is None:
            self._conn = await self._pool.acquire()
            await self._conn.add_listener(CHANNEL, self._notified)
        return self._conn

    async def _drop(self) -> None:
        self.held.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            # Terminated, never returned: its session may still hold role locks, and the pool
            # does not reset sessions on release (infra/db.py).
            conn.terminate()
            with contextlib.suppress(Exception):
                await self._pool.release(conn, timeout=1)
            # Writers may have committed while nobody listened.
            self.wake_all()

    def _notified(self, *_: object) -> None:
        self.wake_all()
