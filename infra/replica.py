"""Reads from a standby without reading the past (DESIGN-NOTES note 17).

A write's commit position in the log (its LSN, `Ledger-Position: 0/16B3748` on the answer) is a
causal token. A read that needs one (carried in the request's header, or remembered here for
the stream it reads because this process wrote it) is served by a standby only once the
standby's connection shows `pg_last_wal_replay_lsn()` at or past it: the read waits, bounded by
REPLICA_WAIT_MS, and past the bound reads the primary and counts
`gameledger_replica_fallback_total`. A standby that is down, or further behind than
REPLICA_MAX_LAG_MS, is skipped. The check runs on the very connection the read then uses:
with several standbys behind one multi-host URL, each has its own replay position.
"""

import asyncio
import contextlib
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import asyncpg

from infra import metrics
from infra.db import Conn, connection
from infra.faults import UNAVAILABLE

POSITION_HEADER = "Ledger-Position"
POSITION_PATTERN = r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"
_POSITION = re.compile(POSITION_PATTERN)

# After the commit returned: with synchronous_commit on (the default) the commit record is
# flushed, so the WAL's write position is at or past its end; with it off, only the insert
# position is (and it may sit a page header past the record's end: a read then waits for the
# next record, or reads the primary, never the past).
POSITION_SQL = """
SELECT CASE WHEN current_setting('synchronous_commit') = 'off'
            THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_lsn() END
"""

# On the read connection: whether it has replayed $1, and how far behind it is (0 when it has
# replayed all it received; a primary, reached when no standby is up, is never behind).
_STANDING = """
SELECT NOT pg_is_in_recovery() OR coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false),
       CASE WHEN NOT pg_is_in_recovery()
              OR pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM clock_timestamp()
                                  - pg_last_xact_replay_timestamp()) * 1000, 0)::float8 END
"""

# How long a standby found down is left alone before a read tries it again.
DOWN_SECONDS = 5.0
# How long a measured lag is trusted by reads that need no position.
LAG_FRESH_SECONDS = 0.1
REMEMBERED = 100_000  # streams whose last write's position this process keeps


def writer(principal: str) -> str:
    """The key a principal's own writes are remembered under, beside the streams written."""
    return f"writer:{principal}"


def format_position(lsn: int) -> str:
    """The LSN in PostgreSQL's text form (`16/B374D848`)."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_position(text: str) -> int | None:
    """The LSN of a `Ledger-Position` value, or None when it is not one."""
    if not _POSITION.match(text):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


# The positions of the writes the current request made (api/http/writes.py sends the last).
_written: ContextVar[list[int] | None] = ContextVar("ledger_positions", default=None)


def collect() -> list[int]:
    """Start collecting the current request's write positions; the list they go into."""
    found: list[int] = []
    _written.set(found)
    return found


def note(position: int | None) -> None:
    """A write of the current request committed at `position` (nothing outside a request)."""
    found = _written.get()
    if found is not None and position is not None:
        found.append(position)


class Positions:
    """The last write position of recently written streams, bounded (least recent dropped)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._last: OrderedDict[str, int] = OrderedDict()
        self._size = size

    def remember(self, streams: Iterable[str], position: int) -> None:
        """`streams` were written at `position`."""
        for stream in streams:
            if self._last.get(stream, 0) < position:
                self._last[stream] = position
            self._last.move_to_end(stream)
        while len(self._last) > self._size:
            self._last.popitem(last=False)

    def needed(self, streams: Iterable[str]) -> int:
        """The position a read of `streams` must see (0: none known)."""
        return max((self._last.get(s, 0) for s in streams), default=0)


@dataclass
class _Standing:
    lag_ms: float = 0.0
    measured: float = float("-inf")
    down_until: float = float("-inf")


class Replica:
    """Where a read goes: the standby pool (READ_DATABASE_URL) when it has the reader's last
    write, the primary otherwise; without a standby pool, always the primary."""

    def __init__(
        self,
        primary: asyncpg.Pool,
        standby: asyncpg.Pool | None = None,
        *,
        wait_ms: int = 250,
        max_lag_ms: int = 1000,
    ) -> None:
        self.primary = primary
        self.standby = standby
        self.wait = wait_ms / 1000
        self.max_lag_ms = max_lag_ms
        self.positions = Positions()
        self._standing = _Standing()

    def remember(self, streams: Iterable[str], position: int) -> None:
        """The pipeline's hook: `streams` were written at `position`."""
        self.positions.remember(streams, position)

    def connection(
        self, streams: Iterable[str] = (), position: int | None = None
    ) -> AbstractAsyncContextManager[Conn]:
        """A connection for a read of `streams` that must see `position` (a request's header)
        and the last write to them this process made."""
        if self.standby is None:  # one database: the primary has every write
            return connection(self.primary)  # no generator around it: every read enters one
        return self._routed(streams, position)

    @contextlib.asynccontextmanager
    async def _routed(self, streams: Iterable[str], position: int | None) -> AsyncIterator[Conn]:
        """A standby's connection when it has replayed what the read needs, else the primary's."""
        async with contextlib.AsyncExitStack() as stack:
            needed = max(position or 0, self.positions.needed(streams))
            conn = await self._from_standby(stack, needed)
            if conn is None:
                conn = await stack.enter_async_context(connection(self.primary))
            yield conn

    async def _from_standby(self, stack: contextlib.AsyncExitStack, needed: int) -> Conn | None:
        """A standby connection that has replayed `needed`; None (counted): read the primary."""
        assert self.standby is not None
        if time.monotonic() < self._standing.down_until:
            _fallback("down")
            return None
        held = contextlib.AsyncExitStack()
        try:
            conn = await held.enter_async_context(connection(self.standby))
            why = await self._wait(conn, needed)
        except BaseException as error:
            # The connection sees the error (a timed-out one is dropped, not pooled again).
            with contextlib.suppress(*UNAVAILABLE):
                await held.__aexit__(type(error), error, error.__traceback__)
            if not isinstance(error, UNAVAILABLE):
                raise
            self._standing.down_until = time.monotonic() + DOWN_SECONDS
            _fallback("down")
            return None
        if why is None:
            await stack.enter_async_context(held)  # the read's: released when it ends
            return conn
        await held.aclose()
        _fallback(why)
        return None

    async def _wait(self, conn: Conn, needed: int) -> str | None:
        """None once `conn` has replayed `needed`; why not ("lag", "wait") otherwise."""
        standing = self._standing
        if not needed and time.monotonic() - standing.measured < LAG_FRESH_SECONDS:
            return "lag" if standing.lag_ms > self.max_lag_ms else None
        deadline = time.monotonic() + self.wait
        pause = 0.002
        while True:
            row: Any = await conn.fetchrow(_STANDING, needed)
            replayed, standing.lag_ms = row[0], row[1]
            standing.measured = time.monotonic()
            if standing.lag_ms > self.max_lag_ms:
                return "lag"
            if replayed:
                return None
            if time.monotonic() + pause >= deadline:
                return "wait"
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.025)


def _fallback(why: str) -> None:
    metrics.REPLICA_FALLBACK.labels(why).inc()
