"""The event store's reads for the read side and the operators: the projectors' tailing cursor,
replay, the feed, the status page and the event tail.

With infra/eventstore.py (appends, and the reads of the command path) and infra/audit_reads.py
(the audit's scans) this is the only SQL on the `events` table. Read models that must see a
stream's head in their own snapshot (one round trip) compose the statement parts at the end of
this module instead of writing their own.
"""

from datetime import datetime
from typing import Any, NamedTuple

import asyncpg
import msgspec

from domain.event_base import Event
from infra import codec
from infra.db import Conn
from infra.eventstore import StoredEvent, stored_event


class Cursor(NamedTuple):
    """A position in the tailing order."""

    transaction_id: int
    global_position: int


class Batch(NamedTuple):
    """Events read after a cursor, and the cursor after the last of them."""

    events: list[StoredEvent]
    last: Cursor


# The tailing read (projections/cursor.py says why the horizon makes it gap-free).
_READ = """
SELECT transaction_id, global_position, stream_id, version, event_type, schema_version,
       payload, recorded_at
  FROM events
 WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
   AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
 ORDER BY transaction_id, global_position
 LIMIT $3
"""

# Events after the cursor of the last read that it did not reach: committed above the horizon it
# read under (a writer was still open below them), so poll again soon. Asked after the cursor,
# not against a fresh horizon: the horizon may have moved on since that read, and the events
# between the two would then be neither read nor pending (catch_up returned without them).
#
# Asked as "the first event after the cursor, in index order", not as EXISTS: the planner has no
# statistics of xid8 ranges, so for EXISTS it guessed most rows match and scanned the table from
# its start, about 4 ms at 20,000 events and growing with the log (a projector asks this after
# every batch that was not full). ORDER BY with LIMIT 1 walks the events_cursor index from the
# cursor instead.
_PENDING = """
SELECT (SELECT 1 FROM events
         WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         ORDER BY transaction_id, global_position LIMIT 1) IS NOT NULL
"""

_HEAD = "SELECT coalesce(max(global_position), 0) FROM events"

# Events committed at or before `target` that the cursor has not passed (scans only the rows
# after the cursor, on the events_cursor index: in index order, as `_PENDING` says why).
_BEHIND = """
SELECT (SELECT 1 FROM events
         WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
           AND global_position <= $3
         ORDER BY transaction_id, global_position LIMIT 1) IS NOT NULL
"""


# The rest of a transaction a full batch ended inside (all of it committed: it is below the
# horizon).
_REST = """
SELECT transaction_id, global_position, stream_id, version, event_type, schema_version,
       payload, recorded_at
  FROM events
 WHERE transaction_id = $1::xid8 AND global_position > $2::bigint
 ORDER BY global_position
"""


# Every projector of a process (six of them, each on its own checkpoint) reads the same batches
# soon after one another: each stored row is decoded once, not six times (the decode was the
# largest function of a top-up's profile, issue 22). Keyed by the stored text, so rows of
# another database cannot be mistaken for these; events are frozen and the folds copy what they
# keep. Emptied whenever it grows past its bound: the projectors read close together.
_DECODED: dict[tuple[str, int, str], Event] = {}
DECODED_BOUND = 8192


def _stored(row: asyncpg.Record) -> StoredEvent:
    key = (row["event_type"], row["schema_version"], row["payload"])
    event = _DECODED.get(key)
    if event is None:
        if len(_DECODED) >= DECODED_BOUND:
            _DECODED.clear()
        event = _DECODED[key] = codec.decode(*key)
    return StoredEvent(
        stream_id=row["stream_id"],
        version=row["version"],
        global_position=row["global_position"],
        recorded_at=row["recorded_at"],
        event=event,
    )


async def read_after(conn: Conn, cursor: Cursor, limit: int) -> Batch:
    """At least `limit` events after `cursor` (when there are), all below the horizon, in
    tailing order, and never part of a transaction: a batch ends where a transaction does, so
    a read model written a batch at a time never holds half of one (a player's event without
    the debt or escrow event written with it)."""
    rows = await conn.fetch(_READ, cursor.transaction_id, cursor.global_position, limit)
    if not rows:
        return Batch([], cursor)
    if len(rows) == limit:
        rows += await conn.fetch(_REST, rows[-1]["transaction_id"], rows[-1]["global_position"])
    last = Cursor(rows[-1]["transaction_id"], rows[-1]["global_position"])
    return Batch([_stored(row) for row in rows], last)


async def pending(conn: Conn, after: Cursor) -> bool:
    """True when committed events wait after `after` (the cursor a batch read up to)."""
    return bool(await conn.fetchval(_PENDING, after.transaction_id, after.global_position))


async def head(conn: Conn) -> int:
    """The highest global position visible now (a target to catch up to)."""
    return int(await conn.fetchval(_HEAD))


async def behind(conn: Conn, cursor: Cursor, target: int) -> bool:
    """True while `cursor` has not passed every event up to position `target`."""
    return bool(await conn.fetchval(_BEHIND, *cursor, target))


_HORIZON = """
SELECT transaction_id, global_position FROM events
 WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY transaction_id DESC, global_position DESC LIMIT 1
"""

_TAIL = """
SELECT * FROM (SELECT stream_id, version, global_position, event_type, schema_version,
                      payload, recorded_at
                 FROM events ORDER BY global_position DESC LIMIT $1) AS tail
 ORDER BY global_position
"""

_AT = "SELECT transaction_id, global_position FROM events WHERE stream_id = $1 AND version = $2"

_METADATA = """
SELECT global_position, metadata::text AS metadata FROM events
 WHERE global_position = ANY($1::bigint[])
"""

_COUNT = "SELECT count(*) FROM events"


async def horizon(conn: Conn) -> Cursor | None:
    """The last event below the horizon (None: none yet): where following the log starts."""
    row = await conn.fetchrow(_HORIZON)
    return Cursor(row["transaction_id"], row["global_position"]) if row else None


async def tail(conn: Conn, limit: int) -> list[StoredEvent]:
    """The newest `limit` events of the log, oldest first."""
    return [stored_event(row) for row in await conn.fetch(_TAIL, limit)]


async def position_of(conn: Conn, stream: str, version: int) -> Cursor | None:
    """Where an event stands in the tailing order (None: no such event)."""
    row = await conn.fetchrow(_AT, stream, version)
    return Cursor(row["transaction_id"], row["global_position"]) if row else None


async def metadata_at(conn: Conn, positions: list[int]) -> dict[int, dict[str, Any]]:
    """The metadata stored with the events at these global positions."""
    rows = await conn.fetch(_METADATA, positions)
    return {r["global_position"]: msgspec.json.decode(r["metadata"]) for r in rows}


async def count(conn: Conn) -> int:
    """How many events the log holds."""
    return int(await conn.fetchval(_COUNT))


_REPLAY = """
SELECT stream_id, version, global_position, event_type, schema_version, payload, recorded_at
  FROM events
 WHERE stream_id = $1 AND ($2::bigint IS NULL OR version <= $2)
   AND ($3::timestamptz IS NULL OR recorded_at <= $3)
 ORDER BY version
"""

_EXISTS = "SELECT EXISTS (SELECT 1 FROM events WHERE stream_id = $1)"

_OWNER = "SELECT payload->>'owner' FROM events WHERE stream_id = $1 AND version = 1"

_HEAD_AND_FIRST = """
SELECT (SELECT max(version) FROM events WHERE stream_id = $1) AS head,
       (SELECT payload::text FROM events WHERE stream_id = $1 AND version = 1) AS first
"""


async def read_until(
    conn: Conn, stream: str, until_version: int | None, at: datetime | None
) -> list[StoredEvent]:
    """A stream's events up to `until_version` and/or time `at` (each optional), in order."""
    return [stored_event(row) for row in await conn.fetch(_REPLAY, stream, until_version, at)]


async def exists(conn: Conn, stream: str) -> bool:
    """True when the stream has an event."""
    return bool(await conn.fetchval(_EXISTS, stream))


async def claim_owner(conn: Conn, stream: str) -> str | None:
    """Who a claim stream (a username, a referral code) belongs to."""
    owner: str | None = await conn.fetchval(_OWNER, stream)
    return owner


async def head_and_first(conn: Conn, stream: str) -> tuple[int | None, str | None]:
    """A stream's head version and its first event's stored JSON, from one snapshot."""
    row: Any = await conn.fetchrow(_HEAD_AND_FIRST, stream)  # one row, always
    return row["head"], row["first"]


# Statement parts for read-model queries that join a stream's head in their own snapshot.
# `stream` is SQL naming the stream id: a parameter (`$2`) or a column (`a.account`).
def head_sql(stream: str) -> str:
    """The stream's highest version, as `head` (NULL: no such stream)."""
    return f"SELECT max(version) AS head FROM events WHERE stream_id = {stream}"


def latest_sql(stream: str, columns: str) -> str:
    """`columns` of the stream's newest event (one backward index probe)."""
    return f"SELECT {columns} FROM events WHERE stream_id = {stream} ORDER BY version DESC LIMIT 1"


def last_position_sql(stream: str, version: str) -> str:
    """Where the stream's last event at or before `version` stands in the tailing order."""
    return f"""SELECT transaction_id, global_position FROM events
 WHERE stream_id = {stream} AND version <= {version} ORDER BY version DESC LIMIT 1"""


# Counted up to a cap so a far-behind projector cannot make the status page slow.
def lag_sql(transaction_id: str, global_position: str) -> str:
    """How many events (`events`) and since when (`oldest`) stand after a cursor."""
    return f"""SELECT count(*) AS events, min(recorded_at) AS oldest
  FROM (SELECT recorded_at FROM events AS e
         WHERE (e.transaction_id, e.global_position) > ({transaction_id}, {global_position})
         LIMIT 1000000) AS behind"""


# Every event of the live-operations streams (freezes, monitors): few rows, read through the
# partial indexes of migrations/017 (the literal prefixes match their predicates; a parameter
# would not), so following them costs nothing however long the log grows.
_FREEZES = """
SELECT stream_id, version, global_position, event_type, schema_version, payload, recorded_at
  FROM events WHERE stream_id LIKE 'freeze:%' ORDER BY global_position
"""
_MONITORS = """
SELECT stream_id, version, global_position, event_type, schema_version, payload, recorded_at
  FROM events WHERE stream_id LIKE 'monitor:%' AND version = 1 ORDER BY global_position
"""


async def freeze_events(conn: Conn) -> list[StoredEvent]:
    """Every freeze's events (placed, lifted), oldest first."""
    return [stored_event(row) for row in await conn.fetch(_FREEZES)]


async def monitor_definitions(conn: Conn) -> list[StoredEvent]:
    """Every monitor's definition (its stream's first event), oldest first."""
    return [stored_event(row) for row in await conn.fetch(_MONITORS)]
