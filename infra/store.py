"""The EventStore port (domain/ports.py) over PostgreSQL: sessions on pooled connections."""

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from domain.events import Transferred
from domain.ledger import Append
from domain.ports import IdempotencyRecord, Key, Session, StoredEvent, Write
from infra import credentials, eventstore
from infra.db import Conn, connection
from infra.faults import UNAVAILABLE
from infra.replica import POSITION_SQL

# One statement for all the locks, taken in the order given (sorted by the caller), so two
# sessions never wait on each other in opposite orders.
_LOCKS = """
SELECT count(pg_advisory_xact_lock(hashtextextended(name, 0)))
  FROM (SELECT name FROM unnest($1::text[]) WITH ORDINALITY AS l(name, n) ORDER BY n) AS o
"""


class PgSession:
    """A Session (domain/ports.py) on one connection."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.position: int | None = None
        # Whether the session's end must read the log's position: it wrote, or found a key's
        # record (a replayed answer carries the position too, at or past the first write's).
        self.committing = False

    async def load(
        self, streams: Sequence[str], keys: Sequence[Key]
    ) -> tuple[dict[str, StoredEvent], dict[Key, IdempotencyRecord]]:
        """Heads and key records in one round trip."""
        heads, records = await eventstore.heads_and_keys(self.conn, list(streams), list(keys))
        self.committing = self.committing or bool(records)
        return heads, records

    async def latest(self, stream: str) -> StoredEvent | None:
        """The newest event of a stream."""
        return await eventstore.latest(self.conn, stream)

    async def read_at(self, stream: str, version: int) -> StoredEvent | None:
        """One event by stream and version."""
        return await eventstore.read_at(self.conn, stream, version)

    async def find_transfer(self, stream: str, transfer_id: str) -> Transferred | None:
        """A transfer of a stream by its id."""
        return await eventstore.find_transfer(self.conn, stream, transfer_id)

    async def append(self, writes: Sequence[Write]) -> None:
        """Every write's events and keys in one statement (and logins in the same transaction)."""
        appends: list[Append] = []
        metadata: list[dict[str, Any]] = []
        for write in writes:
            appends.extend(write.appends)
            metadata.extend(write.metadata for _ in write.appends)
        keys = [w.record for w in writes if w.record is not None]
        logins = [w.login for w in writes if w.login is not None]
        self.committing = True
        async with self.conn.transaction() if logins else contextlib.nullcontext():
            await eventstore.append_batch(self.conn, tuple(appends), keys, metadata=metadata)
            for login in logins:
                await credentials.insert(self.conn, login)


class PgEventStore:
    """The EventStore port over a pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @contextlib.asynccontextmanager
    async def session(
        self, locks: Sequence[str] = (), *, rehearsal: bool = False
    ) -> AsyncIterator[Session]:
        """A pooled connection; with locks, a transaction that holds them until it ends; for a
        rehearsal, a transaction that is always rolled back.

        A session that wrote learns the log's position once its write has committed (one more
        round trip, for the whole group): `Ledger-Position`, infra/replica.py.
        """
        async with connection(self.pool) as conn:
            session = PgSession(conn)
            if not locks and not rehearsal:
                yield session
            else:
                async with _rolled_back(conn) if rehearsal else conn.transaction():
                    if locks:
                        await conn.execute(_LOCKS, list(locks))
                    yield session
            if session.committing and not rehearsal:
                session.position = await _position(conn)


async def _position(conn: Conn) -> int | None:
    """The log's position now; None when the database stops answering just after a commit
    (the write stands: its answer goes out without `Ledger-Position`)."""
    try:
        position: int = await conn.fetchval(POSITION_SQL)
    except UNAVAILABLE:
        conn.terminate()  # never pooled again mid-cancellation (infra/db.py, `connection`)
        return None
    return position


@contextlib.asynccontextmanager
async def _rolled_back(conn: Conn) -> AsyncIterator[None]:
    """A transaction that never commits: what it wrote is gone when it ends."""
    transaction = conn.transaction()
    await transaction.start()
    try:
        yield
    finally:
        await transaction.rollback()
