"""The audit's reads of the event log: every stored row against the projectors' cuts, the hash
chain recomputed, and rm_history set against what the log says it should hold. The rest of the
SQL on `events` is in infra/eventstore.py and infra/eventstore_reads.py."""

from collections.abc import AsyncIterator, Sequence

import asyncpg

from domain.accounts import PLAYER_PREFIX
from infra.db import Conn
from infra.eventstore_reads import Cursor


async def scan(conn: Conn, cuts: Sequence[Cursor]) -> AsyncIterator[asyncpg.Record]:
    """Every stored row (undecoded: the audit reports what will not decode), oldest first, with
    `included[i]`: whether the row is at or before `cuts[i]`. Inside a transaction."""
    flags = ", ".join(
        f"(transaction_id, global_position) <= (${2 * i + 1}::xid8, ${2 * i + 2}::bigint)"
        for i in range(len(cuts))
    )
    sql = f"""
SELECT stream_id, version, event_type, schema_version, payload, ARRAY[{flags}] AS included
  FROM events ORDER BY global_position"""
    async for row in conn.cursor(sql, *[value for cut in cuts for value in cut], prefetch=5000):
        yield row


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


async def chain_breaks(conn: Conn, limit: int) -> list[tuple[str, int, bool]]:
    """(stream, version, a predecessor is missing) of each event whose hash does not follow."""
    return [(r["stream_id"], r["version"], r["gap"]) for r in await conn.fetch(_CHAIN, limit)]


# What rm_history should hold for the player events up to a cut, built from the stored JSON
# (independently of the fold), set against what it holds: one statement, so here with the log.
# A transfer's details are in `details` since schema version 2, at the top before (`d`).
_HISTORY = """
WITH expected AS (
    SELECT substr(stream_id, length($4::text) + 1) AS player_id, version,
           payload->>'transfer_id' AS transfer_id, payload->>'code' AS code,
           -- coalesce: a transfer with no legs (a clawback's reversal of what was all spent)
           (SELECT coalesce(jsonb_agg(jsonb_build_object('account', l->0, 'asset', l->1,
                                                         'amount', l->2)), '[]'::jsonb)
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
     WHERE event_type = 'transferred' AND starts_with(stream_id, $4)
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


async def history_mismatches(conn: Conn, cut: Cursor, limit: int) -> list[asyncpg.Record]:
    """rm_history rows that differ from the log up to `cut` (player_id, version, extra,
    missing)."""
    return list(await conn.fetch(_HISTORY, *cut, limit, PLAYER_PREFIX))
