"""Each process's copy of the revocations, never more than MAX_AGE seconds behind the database.

Verifying a token is on the path of every request and must not cost a database round trip,
so every process (every worker) holds the unexpired revocations in memory. One dedicated
connection LISTENs on the revocations channel and re-reads at once when a revoker commits; a
poll every POLL seconds is the backstop for a lost notification or connection.

The copy is trusted only while its last successful read began less than MAX_AGE seconds ago:
such a read saw every revocation committed before it began, so a revocation is honoured
everywhere at most MAX_AGE seconds after its commit. A copy older than that (the database is
away, the connection was lost or is silent: a read times out after twice MAX_AGE) is not
trusted at all, and tokens are then answered with 503 rather than accepted.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable

import asyncpg
import structlog

from infra import sessions
from infra.config import Settings
from infra.db import SERVER_SETTINGS, Conn
from infra.sessions import Revocation

_log = structlog.get_logger(__name__)

POLL = 0.2  # seconds between reads when no notification arrives
MAX_AGE = 1.0  # seconds a read is trusted for
PURGE_EVERY = 600.0  # seconds between deletions of expired rows
# Tokens are accepted a few seconds past their expiry (the verifier's leeway): forget a
# revocation only well after that.
MARGIN = 60.0


class RevocationCache:
    """The revocations in memory: three lookups per check, no I/O."""

    def __init__(self) -> None:
        self._tokens: dict[str, float] = {}  # jti -> when the token expires
        self._families: dict[str, float] = {}  # refresh family -> when its tokens expire
        # player -> (tokens issued before this second are refused, until when)
        self._players: dict[str, tuple[int, float]] = {}

    def apply(self, revocations: Iterable[Revocation]) -> None:
        """Add revocations (idempotent: a row read twice changes nothing)."""
        for r in revocations:
            if r.kind == "token":
                self._tokens[r.subject] = max(r.expires_at, self._tokens.get(r.subject, 0.0))
            elif r.kind == "family":
                self._families[r.subject] = max(r.expires_at, self._families.get(r.subject, 0.0))
            else:
                self._players[r.subject] = _later(self._players.get(r.subject), r)

    def refuses(self, jti: str | None, family: str | None, player_id: str, issued_at: int) -> bool:
        """True when a token with these claims has been revoked."""
        if jti is not None and jti in self._tokens:
            return True
        if family is not None and family in self._families:
            return True
        mark = self._players.get(player_id)
        return mark is not None and issued_at < mark[0]

    def prune(self, now: float) -> None:
        """Forget revocations of tokens that have expired anyway."""
        self._tokens = {k: t for k, t in self._tokens.items() if t >= now}
        self._families = {k: t for k, t in self._families.items() if t >= now}
        self._players = {k: m for k, m in self._players.items() if m[1] >= now}

    def __len__(self) -> int:
        return len(self._tokens) + len(self._families) + len(self._players)


def _later(known: tuple[int, float] | None, r: Revocation) -> tuple[int, float]:
    mark = (r.issued_before or 0, r.expires_at)
    return mark if known is None else (max(known[0], mark[0]), max(known[1], mark[1]))


Connect = Callable[[], Awaitable[asyncpg.Connection]]


def connector(dsn: str, settings: Settings) -> Connect:
    """Opens the listener's own connection: outside the pool, so a read never queues behind
    requests, and a pool full of killed connections does not hold the listener back."""

    async def connect() -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(
            dsn,
            timeout=min(settings.db_command_timeout, 5.0),
            command_timeout=settings.db_command_timeout,
            server_settings=SERVER_SETTINGS,
        )
        return conn

    return connect


class RevocationListener:
    """Keeps a RevocationCache current from the database: LISTEN, re-read, poll."""

    def __init__(
        self,
        connect: Connect,
        *,
        poll: float = POLL,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.cache = RevocationCache()
        self._connect = connect
        self._poll, self._max_age = poll, max_age
        self._clock, self._wall = clock, wall
        self._horizon = 0
        self._read_at = -float("inf")  # when the last successful read began
        self._failures = 0  # connection attempts in a row that read nothing
        self._wake = asyncio.Event()
        self._attempt = asyncio.Event()  # set (and replaced) after each read or failed attempt
        self._task: asyncio.Task[None] | None = None
        self._purged_at = -float("inf")

    def trusted(self) -> bool:
        """True while the last successful read began less than `max_age` seconds ago."""
        return self._clock() - self._read_at < self._max_age

    def refuses(self, jti: str | None, family: str | None, player_id: str, issued_at: int) -> bool:
        """True when a token with these claims has been revoked (RevocationCache.refuses)."""
        return self.cache.refuses(jti, family, player_id, issued_at)

    def note(self, revocation: Revocation) -> None:
        """Apply a revocation this process has just committed, before its NOTIFY comes back."""
        self.cache.apply([revocation])

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
        self._task = asyncio.create_task(self._run(), name="revocations")
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
                    _log.warning("revocations unreadable", error_type=type(error).__name__)
                    continue  # a lost connection: try a new one at once
                await asyncio.sleep(min(self._poll * 2 ** (self._failures - 2), 1.0))

    async def _listen(self) -> None:
        conn = await self._connect()
        try:
            await conn.add_listener(sessions.CHANNEL, self._notified)
            while True:
                await self._sync(conn)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)
        finally:
            conn.terminate()

    async def _sync(self, conn: Conn) -> None:
        began = self._clock()
        found, horizon = await sessions.read_since(conn, self._horizon, self._max_age * 2)
        self.cache.apply(found)
        self._horizon, self._read_at = horizon, began
        if self._failures:
            _log.info("revocations readable again")
        self._failures = 0
        self._attempted()
        if began - self._purged_at >= PURGE_EVERY:
            self._purged_at = began
            self.cache.prune(self._wall() - MARGIN)
            await sessions.purge(conn)

    def _attempted(self) -> None:
        self._attempt.set()
        self._attempt = asyncio.Event()

    def _notified(self, *_: object) -> None:
        self._wake.set()
