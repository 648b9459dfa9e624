"""Audit checks that are best done inside the database: the hash chain and the history table.

Both read whole tables in one pass over an index and return only the rows that are wrong.
"""

from infra.db import Conn
from projections.cursor import Cursor

REPORT_LIMIT = 100

# The same digest as the events_chain trigger (migrations/001_events.sql): sha256 of the
# previous version's stored hash ('' for version 1) and the row's content. Recomputed from the
# stored previous hash, an edited row fails on itself, and a deleted one breaks its successor.
_CHAIN = """
SELECT stream_id, version, previous IS DISTINCT FROM version - 1 AND version > 1 AS gap
  FROM (SELECT stream_id, version, hash,
               lag(version) OVER w AS previous,
               sha256(CASE WHEN version = 1 THEN ''::bytea ELSE lag(hash) OVER w END
                      || convert_to(stream_id || '|' || version || '|' || event_type || '|'
                                    || schema_version || '|' || payload::text, 'UTF8')) AS digest
          FROM events WINDOW w AS (PARTITION BY stream_id ORDER BY version)) AS chained
 WHERE digest IS DISTINCT FROM hash
 ORDER BY stream_id, version
 LIMIT $1
"""


async def broken_chain(conn: Conn) -> list[str]:
    """One line per event whose hash does not follow from its content and its predecessor."""
    return [
        f"{r['stream_id']} v{r['version']}: "
        + (
            "the event before it is missing"
            if r["gap"]
            else "hash does not match its content or the previous event's hash"
        )
        for r in await conn.fetch(_CHAIN, REPORT_LIMIT)
    ]


# What rm_history should hold for the events the history projector has applied: built here from
# the stored JSON, independently of the fold. A transfer's details are in `details` since schema
# version 2, at the top before (`d`).
_HISTORY = """
WITH expected AS (
    SELECT substr(stream_id, length('player:') + 1) AS player_id, version,
           payload->>'transfer_id' AS transfer_id, payload->>'code' AS code,
           (SELECT jsonb_agg(jsonb_build_object('account', l->0, 'asset', l->1, 'amount', l->2))
              FROM jsonb_array_elements(payload->'legs') AS l) AS legs,
           coalesce((payload->'state_after'->>'diamond')::bigint, 0) AS balance_after,
           payload->'state_after' AS state_after, d->>'item' AS item,
           (d->>'quantity')::bigint AS quantity, d->>'reverses' AS reverses,
           d->>'reason' AS reason, d->>'counterparty' AS counterparty,
           d->>'memo' AS memo, d->>'hold_id' AS hold_id,
           coalesce(payload->'metadata', '{}'::jsonb) AS metadata,
           d->>'trade_id' AS trade_id
      FROM events, LATERAL (SELECT CASE WHEN schema_version = 1 THEN payload
                                        ELSE payload->'details' END AS d) AS details
     WHERE event_type = 'transferred' AND starts_with(stream_id, 'player:')
       AND (transaction_id, global_position) <= ($1::xid8, $2::bigint)
)
SELECT coalesce(e.player_id, h.player_id) AS player_id, coalesce(e.version, h.version) AS version,
       e.player_id IS NULL AS extra, h.player_id IS NULL AS missing
  FROM expected AS e FULL JOIN rm_history AS h USING (player_id, version)
 WHERE (e.transfer_id, e.code, e.legs, e.balance_after, e.state_after, e.item, e.quantity,
        e.reverses, e.reason, e.counterparty, e.memo, e.hold_id, e.metadata, e.trade_id)
       IS DISTINCT FROM
       (h.transfer_id, h.code, h.legs, h.balance_after, h.state_after, h.item, h.quantity,
        h.reverses, h.reason, h.counterparty, h.memo, h.hold_id, h.metadata, h.trade_id)
 ORDER BY 1, 2
 LIMIT $3
"""


async def history_differences(conn: Conn, cut: Cursor) -> list[str]:
    """One line per rm_history row that differs from the log (up to the projector's cut)."""
    rows = await conn.fetch(_HISTORY, cut.transaction_id, cut.global_position, REPORT_LIMIT)
    return [
        f"rm_history[{r['player_id']} v{r['version']}]: "
        + ("not in the log" if r["extra"] else "missing" if r["missing"] else "differs")
        for r in rows
    ]
