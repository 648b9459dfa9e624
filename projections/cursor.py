"""Tailing the event log with a cursor that never skips, and the checkpoints that hold it.

`global_position` is taken at INSERT but a row becomes visible at COMMIT, so "everything after
the last position seen" skips a writer that took an early position and committed late. Every
row carries its writer's transaction id instead; below `pg_snapshot_xmin` every transaction has
ended, so no row can still appear there. Reading only below that horizon, in
(transaction_id, global_position) order, after the stored pair, never skips and never repeats.
"""

from typing import NamedTuple

from infra.db import Conn
from infra.eventstore import StoredEvent, stored_event

# Advisory lock classes (first key); the second key is hashtext() of the projector's name.
LOCK_BATCH = 0x676C01  # held by a batch transaction: one writer of a read model at a time
LOCK_ACTIVE = 0x676C02  # held by a session: which process is the active projector
LOCK_REBUILD = 0x676C03  # held by a session: one rebuild of a projection at a time


class Cursor(NamedTuple):
    """A position in the tailing order."""

    transaction_id: int
    global_position: int


START = Cursor(0, 0)


class Batch(NamedTuple):
    """Events read after a cursor, and the cursor after the last of them."""

    events: list[StoredEvent]
    last: Cursor


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
_PENDING = """
SELECT EXISTS (SELECT 1 FROM events
                WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint))
"""

_HEAD = "SELECT coalesce(max(global_position), 0) FROM events"

# Events committed at or before `target` that the cursor has not passed (scans only the rows
# after the cursor, on the events_cursor index).
_BEHIND = """
SELECT EXISTS (SELECT 1 FROM events
                WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
                  AND global_position <= $3)
"""

_LOAD = "SELECT transaction_id, global_position FROM projector_checkpoints WHERE name = $1"

# Compare-and-set: the cursor only moves forward, so a replayed batch can never be counted twice.
_SAVE = """
INSERT INTO projector_checkpoints AS c
       (name, transaction_id, global_position, events_applied, updated_at, last_event_at)
VALUES ($1, $2, $3, $4, now(), $5)
ON CONFLICT (name) DO UPDATE SET
    transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position,
    events_applied = c.events_applied + EXCLUDED.events_applied, updated_at = now(),
    last_event_at = EXCLUDED.last_event_at, last_error = NULL
 WHERE (c.transaction_id, c.global_position) < (EXCLUDED.transaction_id, EXCLUDED.global_position)
"""

_ERROR = """
INSERT INTO projector_checkpoints AS c (name, last_error) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = now()
"""


# The event a row of the log holds, upcast to the current schema: the event store's decoder.
stored = stored_event


async def read_after(conn: Conn, cursor: Cursor, limit: int) -> Batch:
    """Up to `limit` events after `cursor`, all below the horizon, in tailing order."""
    rows = await conn.fetch(_READ, cursor.transaction_id, cursor.global_position, limit)
    if not rows:
        return Batch([], cursor)
    last = Cursor(rows[-1]["transaction_id"], rows[-1]["global_position"])
    return Batch([stored(row) for row in rows], last)


async def pending(conn: Conn, after: Cursor) -> bool:
    """True when committed events wait after `after` (the cursor a batch read up to)."""
    return bool(await conn.fetchval(_PENDING, after.transaction_id, after.global_position))


async def head(conn: Conn) -> int:
    """The highest global position visible now (a target to catch up to)."""
    return int(await conn.fetchval(_HEAD))


async def behind(conn: Conn, name: str, target: int) -> bool:
    """True while `name`'s checkpoint has not passed every event up to position `target`."""
    cursor = await load(conn, name)
    return bool(await conn.fetchval(_BEHIND, *cursor, target))


async def load(conn: Conn, name: str) -> Cursor:
    """A projector's checkpoint (the start of the log when it has none)."""
    row = await conn.fetchrow(_LOAD, name)
    return Cursor(row["transaction_id"], row["global_position"]) if row else START


async def save(conn: Conn, name: str, batch: Batch) -> None:
    """Move the checkpoint past `batch`, or raise if it is not ahead of the stored one."""
    status = await conn.execute(
        _SAVE, name, *batch.last, len(batch.events), batch.events[-1].recorded_at
    )
    if status != "INSERT 0 1":
        raise RuntimeError(f"checkpoint {name} is already at or past {batch.last}")


async def record_error(conn: Conn, name: str, error: BaseException) -> None:
    """Show a projector's last failure in its status (cleared by its next batch)."""
    await conn.execute(_ERROR, name, f"{type(error).__name__}: {error}"[:1000])


async def lock_batch(conn: Conn, name: str) -> None:
    """Wait for the right to write `name`'s read model until this transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", LOCK_BATCH, name)
