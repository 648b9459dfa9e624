"""The projectors' tailing checks walk the events_cursor index from the cursor, never the log.

Every projector asks `pending` after each batch that was not full, so at a few thousand writes a
second it is among the most frequent statements there are. Asked as EXISTS, the planner (which
has no range statistics for xid8) guessed that most rows match and scanned the table from its
start: 4 ms at 20,000 events, growing with the log, and the largest PostgreSQL cost of a top-up
(issue 22's profile). The plans are read with EXPLAIN ANALYZE over an analyzed log of 20,000
events; no timing is asserted, only the plan's nodes and the rows they read.
"""

from typing import Any

import asyncpg

from infra import eventstore_reads
from infra.eventstore_reads import Cursor
from tests.integration.test_history_plans import explain, nodes

EVENTS = 20_000

# A log as a live service leaves it: many streams, written by thousands of transactions of a
# few events each (a group commit's worth; the trigger fills the hash chain). With few rows per
# transaction id the statistics have a histogram of ids and no common values, as in production.
POPULATE = f"""
DO $$
BEGIN
  FOR t IN 1..{EVENTS // 5} LOOP
    INSERT INTO events (stream_id, version, event_type, payload)
    SELECT 'plan:' || n, t, 'plan_probe', '{{"padding": "{"x" * 300}"}}'::jsonb
      FROM generate_series(1, 5) AS n;
    COMMIT;
  END LOOP;
END $$
"""


async def _log_with_cursor_at_its_end(pool: asyncpg.Pool) -> Cursor:
    # The planner's guess of how many rows follow the cursor depends on statistics that always
    # lag an append-only log (the bench's run saw guesses of 10% and of every row). Without
    # statistics of transaction ids it guesses a third, as PostgreSQL does for any range it
    # cannot estimate: the plan must not depend on the guess.
    await pool.execute(POPULATE)
    await pool.execute("ALTER TABLE events ALTER COLUMN transaction_id SET STATISTICS 0")
    await pool.execute("ANALYZE events")
    row = await pool.fetchrow(
        "SELECT transaction_id, global_position FROM events"
        " ORDER BY transaction_id DESC, global_position DESC OFFSET 5 LIMIT 1"
    )
    return Cursor(row["transaction_id"], row["global_position"])


def _rows_read(plan: Any) -> int:
    """Rows the plan's scans of `events` produced or threw away."""
    scans = [n for n in nodes(plan) if n.get("Relation Name") == "events"]
    return sum(n["Actual Rows"] + n.get("Rows Removed by Filter", 0) for n in scans)


async def test_pending_reads_the_index_from_the_cursor_not_the_log(pool: asyncpg.Pool) -> None:
    after = await _log_with_cursor_at_its_end(pool)
    plan = await explain(pool, eventstore_reads._PENDING, *after, analyze=True)
    assert not [n for n in nodes(plan) if n["Node Type"] == "Seq Scan"], plan
    assert _rows_read(plan) <= 1
    assert await eventstore_reads.pending(pool, after) is True  # 5 events stand after it


async def test_behind_reads_the_index_from_the_cursor_not_the_log(pool: asyncpg.Pool) -> None:
    after = await _log_with_cursor_at_its_end(pool)
    plan = await explain(
        pool, eventstore_reads._BEHIND, *after, after.global_position + 5, analyze=True
    )
    assert not [n for n in nodes(plan) if n["Node Type"] == "Seq Scan"], plan
    assert _rows_read(plan) <= 6
    assert await eventstore_reads.behind(pool, after, after.global_position) is False
