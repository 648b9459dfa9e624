"""Tailing the event log with a cursor that never skips, and the checkpoints that hold it.

`global_position` is taken at INSERT but a row becomes visible at COMMIT, so "everything after
the last position seen" skips a writer that took an early position and committed late. Every
row carries its writer's transaction id instead; below `pg_snapshot_xmin` every transaction has
ended, so no row can still appear there. Reading only below that horizon, in
(transaction_id, global_position) order, after the stored pair, never skips and never repeats.

The reads themselves are the event store's (infra/eventstore_reads.py); here are the
checkpoints that hold each reader's cursor, and the locks around them.
"""

from dataclasses import dataclass

from infra import eventstore_reads
from infra.db import Conn
from infra.eventstore_reads import Batch, Cursor, head, pending, read_after

__all__ = ["Batch", "Cursor", "head", "pending", "read_after"]

# Advisory lock classes (first key); the second key is hashtext() of the projector's name.
LOCK_BATCH = 0x676C01  # held by a batch transaction: one writer of a read model at a time
LOCK_ACTIVE = 0x676C02  # held by a session: which process is the active projector
LOCK_REBUILD = 0x676C03  # held by a session: one rebuild of a projection at a time


START = Cursor(0, 0)

_LOAD = "SELECT transaction_id, global_position FROM projector_checkpoints WHERE name = $1"
_LOAD_MANY = """
SELECT name, transaction_id, global_position FROM projector_checkpoints WHERE name = ANY($1)
"""

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

# Every checkpoint of a batch applied together (runner.py `step_together`), compare-and-set as
# `_SAVE`: a row not ahead of its stored one is not written, and the count tells.
_SAVE_MANY = """
INSERT INTO projector_checkpoints AS c
       (name, transaction_id, global_position, events_applied, updated_at, last_event_at)
SELECT name, transaction_id, global_position, applied, now(), last_event_at
  FROM unnest($1::text[], $2::xid8[], $3::bigint[], $4::bigint[], $5::timestamptz[])
       AS s(name, transaction_id, global_position, applied, last_event_at)
ON CONFLICT (name) DO UPDATE SET
    transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position,
    events_applied = c.events_applied + EXCLUDED.events_applied, updated_at = now(),
    last_event_at = EXCLUDED.last_event_at, last_error = NULL
 WHERE (c.transaction_id, c.global_position) < (EXCLUDED.transaction_id, EXCLUDED.global_position)
"""

# The batch locks of several read models in one statement, in the order given (sorted by the
# caller), so two lockers never wait on each other in opposite orders.
_LOCK_MANY = """
SELECT count(pg_advisory_xact_lock($1, hashtext(name)))
  FROM (SELECT name FROM unnest($2::text[]) WITH ORDINALITY AS l(name, n) ORDER BY n) AS o
"""

_ERROR = """
INSERT INTO projector_checkpoints AS c (name, last_error) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = now()
"""


@dataclass(frozen=True)
class Step:
    """What one batch did: the events it applied (or published), whether it was full, whether
    committed rows wait behind an open writer, and the position it reached."""

    applied: int
    full: bool
    pending: bool
    position: int = 0


async def next_batch(conn: Conn, name: str, limit: int) -> tuple[Batch, Step]:
    """The batch after `name`'s checkpoint, and the step it is once applied."""
    batch = await read_after(conn, await load(conn, name), limit)
    full = len(batch.events) >= limit
    waiting = not full and await pending(conn, batch.last)
    return batch, Step(len(batch.events), full, waiting, batch.last.global_position)


async def behind(conn: Conn, name: str, target: int) -> bool:
    """True while `name`'s checkpoint has not passed every event up to position `target`."""
    return await eventstore_reads.behind(conn, await load(conn, name), target)


# Has a checkpoint passed the stream's last event at or before a version? One statement, so the
# position and the checkpoint come from one snapshot.
_PASSED = f"""
SELECT coalesce((c.transaction_id, c.global_position) >= (e.transaction_id, e.global_position),
                false)
  FROM ({eventstore_reads.last_position_sql("$2", "$3")}) AS e
  LEFT JOIN projector_checkpoints AS c ON c.name = $1
"""


async def passed(conn: Conn, name: str, stream: str, version: int) -> bool | None:
    """Whether `name`'s checkpoint has passed the stream's event at `version` (None: no event
    at or before it)."""
    result: bool | None = await conn.fetchval(_PASSED, name, stream, version)
    return result


async def load(conn: Conn, name: str) -> Cursor:
    """A projector's checkpoint (the start of the log when it has none)."""
    row = await conn.fetchrow(_LOAD, name)
    return Cursor(row["transaction_id"], row["global_position"]) if row else START


async def load_many(conn: Conn, names: list[str]) -> dict[str, Cursor]:
    """Several projectors' checkpoints in one statement (the log's start for one with none)."""
    rows = await conn.fetch(_LOAD_MANY, names)
    found = {r["name"]: Cursor(r["transaction_id"], r["global_position"]) for r in rows}
    return {name: found.get(name, START) for name in names}


async def save_many(conn: Conn, names: list[str], batch: Batch) -> None:
    """Move every named checkpoint past `batch` in one statement, or raise if any of them is
    not ahead of its stored one (the transaction then writes nothing)."""
    last, count = batch.last, len(names)
    status = await conn.execute(
        _SAVE_MANY,
        names,
        [last.transaction_id] * count,
        [last.global_position] * count,
        [len(batch.events)] * count,
        [batch.events[-1].recorded_at] * count,
    )
    if status != f"INSERT 0 {count}":
        raise RuntimeError(f"a checkpoint of {', '.join(names)} is already at or past {last}")


async def lock_batches(conn: Conn, names: list[str]) -> None:
    """`lock_batch` for each of `names` (sorted: a stable lock order), in one statement."""
    await conn.execute(_LOCK_MANY, LOCK_BATCH, sorted(names))


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
