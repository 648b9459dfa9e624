"""The PostgreSQL event store: append with expected versions, read streams and heads.

SQL for the `events` and `idempotency_keys` tables lives here, beside the code that owns them,
and nowhere else: the reads of the read side and the operators (the projectors' cursor, the
audit, replay, the feed, the status page) are the event store's too, in eventstore_reads.py.
"""

from typing import Any

import asyncpg
import msgspec

from domain.events import SCHEMA_VERSION, Transferred, event_type_of
from domain.ledger import Append
from domain.ports import IdempotencyRace, IdempotencyRecord, Key, StoredEvent
from infra import codec
from infra.conflicts import conflict
from infra.db import Conn

__all__ = ["IdempotencyRace", "IdempotencyRecord", "StoredEvent"]


# The chain trigger refuses a version that does not follow the stream's head.
_APPEND = """
INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata)
SELECT s, v, t, $5::int, p, $6::jsonb
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS r(s, v, t, p, n)
 ORDER BY n
"""

_COLUMNS = "stream_id, version, global_position, event_type, schema_version, payload, recorded_at"

_LATEST = f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1"

# One backward index probe per stream (LATERAL ... LIMIT 1): `DISTINCT ON` over
# `stream_id = ANY(...)` read and sorted every event of every stream named, so a batch over
# long wallets, or a top-up against a long shard stream, got slower with every event.
_LATEST_MANY = f"""
SELECT e.* FROM unnest($1::text[]) AS s(id)
 CROSS JOIN LATERAL (
     SELECT {_COLUMNS} FROM events WHERE stream_id = s.id ORDER BY version DESC LIMIT 1
 ) AS e
"""

_READ_STREAM = f"""
SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 AND version <= $3
 ORDER BY version LIMIT $4
"""

_READ_AT = f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version = $2"


def _rows(appends: tuple[Append, ...]) -> tuple[list[str], list[int], list[str], list[str]]:
    streams, versions, types, payloads = [], [], [], []
    for append in appends:
        for offset, event in enumerate(append.events, start=1):
            streams.append(append.stream)
            versions.append(append.expected + offset)
            types.append(event_type_of(event))
            payloads.append(codec.encode(event))
    return streams, versions, types, payloads


async def append(
    conn: Conn, appends: tuple[Append, ...], *, metadata: dict[str, Any] | None = None
) -> None:
    """Write every append atomically (no key: commands go through `append_batch`), or raise
    StreamVersionConflict."""
    try:
        await conn.execute(
            _APPEND, *_rows(appends), SCHEMA_VERSION, msgspec.json.encode(metadata or {}).decode()
        )
    except asyncpg.UniqueViolationError as error:
        raise conflict(appends, error) from error


def stored_event(row: asyncpg.Record) -> StoredEvent:
    """An event row (the columns of `_COLUMNS`) as a StoredEvent, upcast to the current schema."""
    return StoredEvent(
        stream_id=row["stream_id"],
        version=row["version"],
        global_position=row["global_position"],
        recorded_at=row["recorded_at"],
        event=codec.decode(row["event_type"], row["schema_version"], row["payload"]),
    )


async def latest(conn: Conn, stream: str) -> StoredEvent | None:
    """The newest event of a stream (one index probe, whatever the stream's length)."""
    row = await conn.fetchrow(_LATEST, stream)
    return stored_event(row) if row else None


async def latest_many(conn: Conn, streams: list[str]) -> dict[str, StoredEvent]:
    """The newest event of each stream that exists, in one round trip."""
    return {r["stream_id"]: stored_event(r) for r in await conn.fetch(_LATEST_MANY, streams)}


async def read_stream(
    conn: Conn,
    stream: str,
    *,
    start: int = 1,
    until: int = 2**62,
    limit: int = 100_000,
) -> list[StoredEvent]:
    """Events of a stream from version `start` to `until`, in order."""
    return [stored_event(r) for r in await conn.fetch(_READ_STREAM, stream, start, until, limit)]


async def read_at(conn: Conn, stream: str, version: int) -> StoredEvent | None:
    """One event by stream and version."""
    row = await conn.fetchrow(_READ_AT, stream, version)
    return stored_event(row) if row else None


# Oldest first, a bounded chunk per statement: a purge never holds many row locks at once.
_PURGE_KEYS = """
DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM idempotency_keys
     WHERE created_at < now() - make_interval(days => $1)
     ORDER BY created_at LIMIT $2))
"""


async def purge_idempotency_keys(conn: Conn, older_than_days: int, chunk: int = 5_000) -> int:
    """Forget keys older than the retention; how many. A retry after that is a new request."""
    removed = 0
    while True:
        status = await conn.execute(_PURGE_KEYS, older_than_days, chunk)
        count = int(status.split()[-1])
        removed += count
        if count < chunk:
            return removed


_FIND_TRANSFER = f"""
SELECT {_COLUMNS} FROM events
 WHERE stream_id = $1 AND event_type = 'transferred' AND payload->>'transfer_id' = $2
"""


async def find_transfer(conn: Conn, stream: str, transfer_id: str) -> Transferred | None:
    """A transfer of a stream by its id (operators' reversals; not on a hot path)."""
    row = await conn.fetchrow(_FIND_TRANSFER, stream, transfer_id)
    if row is None:
        return None
    event = stored_event(row).event
    return event if isinstance(event, Transferred) else None


# Many commands' events and keys in one statement: the batch endpoint and group commit.
_APPEND_BATCH = """
WITH keys AS (
    INSERT INTO idempotency_keys (caller, scope, key, fingerprint, response)
    SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
)
INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata)
SELECT s, v, t, $5::int, p, m
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[], $11::jsonb[])
       WITH ORDINALITY AS r(s, v, t, p, m, n)
 ORDER BY n
"""


async def append_batch(
    conn: Conn,
    appends: tuple[Append, ...],
    keys: list[IdempotencyRecord],
    *,
    metadata: list[dict[str, Any]],
) -> None:
    """Like `append`, for the appends and keys of many commands at once (all or nothing).

    `metadata[i]` is stored with every event of `appends[i]`: each command's events carry its
    own transfer id and idempotency key, as when it is written alone.
    """
    per_event = [
        msgspec.json.encode(meta).decode()
        for append, meta in zip(appends, metadata, strict=True)
        for _ in append.events
    ]
    # Rows in (stream, version) order: two concurrent statements over overlapping streams then
    # wait for each other in the same order, instead of each holding a row the other needs.
    rows = sorted(zip(*_rows(appends), per_event, strict=True), key=lambda r: (r[0], r[1]))
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[], [], [], [], []]
    try:
        await conn.execute(
            _APPEND_BATCH,
            *columns[:4],
            SCHEMA_VERSION,
            [k.caller for k in keys],
            [k.scope for k in keys],
            [k.key for k in keys],
            [k.fingerprint for k in keys],
            [k.response for k in keys],
            columns[4],
        )
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == "idempotency_keys_pkey":
            raise IdempotencyRace from error
        raise conflict(appends, error) from error
    except asyncpg.DeadlockDetectedError as error:
        raise conflict(appends) from error


# The heads of many streams and the records under many keys, in one round trip: the two
# shapes are padded to one row type (a head row has no key columns, a key row no event).
# A key is its caller's, or a row stored before keys had callers (caller '', migration 010),
# which answers whoever asks, as it did then; a caller's own row comes first.
_HEADS_AND_KEYS = f"""
SELECT e.*, NULL::text AS k_caller, NULL::text AS k_scope, NULL::text AS k_key,
       NULL::text AS k_fingerprint, NULL::text AS k_response
  FROM unnest($1::text[]) AS s(id)
 CROSS JOIN LATERAL (
     SELECT {_COLUMNS} FROM events WHERE stream_id = s.id ORDER BY version DESC LIMIT 1
 ) AS e
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, q.caller, q.scope, q.key, k.fingerprint,
       k.response::text
  FROM unnest($2::text[], $3::text[], $4::text[]) AS q(caller, scope, key)
 CROSS JOIN LATERAL (
     SELECT fingerprint, response FROM idempotency_keys
      WHERE scope = q.scope AND key = q.key AND caller IN (q.caller, '')
      ORDER BY caller = '' LIMIT 1
 ) AS k
"""


async def heads_and_keys(
    conn: Conn, streams: list[str], keys: list[Key]
) -> tuple[dict[str, StoredEvent], dict[Key, IdempotencyRecord]]:
    """`latest_many` and the records under (caller, scope, key) triples, in one round trip."""
    if not keys:
        return await latest_many(conn, streams), {}
    heads: dict[str, StoredEvent] = {}
    records: dict[Key, IdempotencyRecord] = {}
    callers, scopes, names = (list(column) for column in zip(*keys, strict=True))
    for row in await conn.fetch(_HEADS_AND_KEYS, streams, callers, scopes, names):
        if row["k_key"] is None:
            heads[row["stream_id"]] = stored_event(row)
            continue
        record = IdempotencyRecord(
            caller=row["k_caller"],
            scope=row["k_scope"],
            key=row["k_key"],
            fingerprint=row["k_fingerprint"],
            response=row["k_response"],
        )
        records[record.caller, record.scope, record.key] = record
    return heads, records
