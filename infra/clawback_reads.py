"""The log as a clawback reads it: the transfers its filter may match, and the open clawbacks.

The transfers are read from `events` itself (never a read model that may lag): the player
streams' own transfers of the filter's code (or of every code a clawback reverses), at or below
the log's head when the clawback starts, that nobody has reversed yet.
"""

from collections.abc import Sequence

import msgspec

from domain.accounts import PLAYER_PREFIX
from domain.clawback import CLAWBACK_CODES
from domain.clawback_events import ClawbackFilter
from domain.events import Transferred
from infra.db import Conn
from infra.eventstore import stored_event

_COLUMNS = "stream_id, version, global_position, event_type, schema_version, payload, recorded_at"

# Every field of the filter narrows the scan here; `domain.clawback.matches` then decides on the
# decoded transfer (the one definition of a match), and LIMIT bounds what a clawback may hold.
_CANDIDATES = f"""
SELECT {_COLUMNS} FROM events e
 WHERE e.event_type = 'transferred'
   AND e.global_position <= $1
   AND left(e.stream_id, length($2)) = $2
   AND ($3::text[] IS NULL OR e.stream_id = ANY($3))
   AND e.payload->>'code' = ANY($4)
   AND NOT (e.payload ? 'mirror' AND (e.payload->>'mirror')::boolean)
   AND coalesce(e.payload->'metadata', '{{}}'::jsonb) @> $5::jsonb
   AND ($6::timestamptz IS NULL OR (e.payload->>'occurred_at')::timestamptz >= $6)
   AND ($7::timestamptz IS NULL OR (e.payload->>'occurred_at')::timestamptz < $7)
   AND ($8::text IS NULL OR EXISTS (
       SELECT 1 FROM jsonb_array_elements(e.payload->'legs') AS l WHERE l->>1 = $8))
   AND NOT EXISTS (
       SELECT 1 FROM events r WHERE r.stream_id = 'reversal:' || (e.payload->>'transfer_id'))
 ORDER BY e.global_position
 LIMIT $9
"""

_HEAD = "SELECT coalesce(max(global_position), 0) FROM events"

# Served by the partial index events_clawbacks (migrations/017_clawbacks.sql).
_OPEN = """
SELECT s.stream_id FROM events s
 WHERE s.event_type = 'clawback_started'
   AND NOT EXISTS (SELECT 1 FROM events f
                    WHERE f.event_type = 'clawback_finished' AND f.stream_id = s.stream_id)
 ORDER BY s.global_position
"""


async def log_head(conn: Conn) -> int:
    """The highest position written so far: the clawback's frozen upper bound."""
    return int(await conn.fetchval(_HEAD))


async def candidates(
    conn: Conn, f: ClawbackFilter, upto: int, streams: Sequence[str] | None, limit: int
) -> list[tuple[str, Transferred]]:
    """(player id, transfer) of the player streams' unreversed transfers `f` may match, oldest
    first, at or below `upto` (`streams`: only those players'), at most `limit` of them."""
    codes = [f.code] if f.code else sorted(CLAWBACK_CODES)
    named = list(streams) if streams is not None else None
    labels = msgspec.json.encode(f.metadata).decode()
    rows = await conn.fetch(
        _CANDIDATES, upto, PLAYER_PREFIX, named, codes, labels, f.from_, f.to, f.asset, limit
    )
    found: list[tuple[str, Transferred]] = []
    for row in rows:
        event = stored_event(row).event
        if isinstance(event, Transferred):
            found.append((row["stream_id"][len(PLAYER_PREFIX) :], event))
    return found


async def open_clawbacks(conn: Conn) -> list[str]:
    """The streams of the clawbacks started and not finished, oldest first."""
    return [row["stream_id"] for row in await conn.fetch(_OPEN)]
