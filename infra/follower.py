"""A process's copy of something in the database, never more than MAX_AGE seconds behind it.

One dedicated connection LISTENs on a channel and re-reads at once when a writer commits and
NOTIFYs; a poll every POLL seconds is the backstop for a lost notification or connection. The
copy is trusted only while its last successful read began less than MAX_AGE seconds ago: such a
read saw everything committed before it began. The revocations (infra/revocations.py) and the
live catalog (infra/catalog_store.py) are both followed this way.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import ClassVar

import asyncpg
import structlog

from infra.config import Settings
from infra.db import SERVER_SETTINGS, Conn

_log = structlog.get_logger(__name__)

POLL = 0.2  # seconds between reads when no notification arrives
MAX_AGE = 1.0  # seconds a read is trusted for

Connect = Callable[[], Awaitable[asyncpg.Connection]]


def connector(dsn: str, settings: Settings) -> Connect:
    """Opens a follower's own connection: outside the pool, so a read never queues behind
    requests, and a pool full of killed connections does not hold the follower back."""

    async def connect() -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(
            dsn,
            timeout=min(settings.db_command_timeout, 5.0),
            command_timeout=settings.db_command_timeout,
            server_settings=SERVER_SETTINGS,
        )
        return conn

    return connect


class Follower:
    """LISTEN on `channel`, `read` at once when notified, poll as the backstop (a subclass
    names its channel and itself, and reads)."""

    channel: ClassVar[str]  # what its writers NOTIFY
    name: ClassVar[str]  # its task's, and its log lines'

    def __init__(
        self,
        connect: Connect,
        *,
        poll: float = POLL,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect
        self._poll, self._max_age = poll, max_age
        self._clock = clock
        self._read_at = -float("inf")  # when the last successful read began
        self._failures = 0  # connection attempts in a row that read nothing
        self._wake = asyncio.Event()
        self._attempt = asyncio.Event()  # set (and replaced) after each read or failed attempt
        self._task: asyncio.Task[None] | None = None

    async def read(self, conn: Conn, began: float) -> None:
        """Bring the copy up to date (subclasses); `began` is when this read started."""
        raise NotImplementedError

    def trusted(self) -> bool:
        """True while the last successful read began less than `max_age` seconds ago."""
        return self._clock() - self._read_at < self._max_age

    async def current(self) -> None:
        """Wait (briefly) for a fresh read if the copy is stale while the database answers;
        not while it is known to be away, when the caller answers 503 at once."""
        if self.trusted() or self._failures > 1 or self._task is None:
            return
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._attempt.wait(), self._max_age)

    async def start(self) -> None:
        """Begin listening; wait a moment for the first read, so the app starts trusted."""
        self._task = asyncio.create_task(self._run(), name=self.name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._attempt.wait(), 2.0)

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: reconnect; meanwhile the copy ages
                self._failures += 1
                self._attempted()
                if self._failures == 1:
                    _log.warning(f"{self.name} unreadable", error_type=type(error).__name__)
                    continue  # a lost connection: try a new one at once
                await asyncio.sleep(min(self._poll * 2 ** (self._failures - 2), 1.0))

    async def _listen(self) -> None:
        conn = await self._connect()
        try:
            await conn.add_listener(self.channel, self._notified)
            while True:
                await self._sync(conn)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)
        finally:
            conn.terminate()

    async def _sync(self, conn: Conn) -> None:
        began = self._clock()
        await self.read(conn, began)
        self._read_at = began
        if self._failures:
            _log.info(f"{self.name} readable again")
        self._failures = 0
        self._attempted()

    def _attempted(self) -> None:
        self._attempt.set()
        self._attempt = asyncio.Event()

    def _notified(self, *_: object) -> None:
        self._wake.set()
