"""Verdicts read straight from the database: the audit, transfers per key, stream versions."""

import asyncio
import time
from collections import Counter
from typing import Any

import asyncpg

from domain.assets import Catalog
from harness.outcome import Outcome, say
from infra import catalog_store
from infra.db import Conn
from projections.audit import run_audit, summary
from projections.registry import PROJECTIONS

MODELS = {
    "rm_players": "player_id",
    "rm_inventory": "player_id, item",
    "rm_wallets": "player_id",
    "rm_wallet_escrows": "escrow",
    "rm_accounts": "account, asset",
    "rm_treasury": "asset",
    "rm_history": "player_id, version",
    "rm_holds": "hold_id",
    "rm_trades": "trade_id",
}

_TRANSFERS = """
SELECT payload->>'transfer_id' AS transfer_id, metadata->>'idempotency_key' AS key
  FROM events
 WHERE event_type = 'transferred' AND stream_id = ANY($1::text[]) AND payload->>'code' = $2
"""

_GAPS = """
SELECT stream_id, count(*) AS events, max(version) AS head
  FROM events GROUP BY stream_id HAVING count(*) <> max(version) OR min(version) <> 1
"""


async def audit(outcome: Outcome, dsn: str, *, catalog: Catalog | None = None) -> None:
    """The ledger audit, which must pass: every invariant over the whole log (given the
    service's configured `catalog`, also the checks against each catalog version the log names:
    prices, drops and limits)."""
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        versions = None if catalog is None else await catalog_store.versions(conn, catalog)
        report = await run_audit(conn, catalogs=versions)
    finally:
        await conn.close()
    outcome.figure("audit events", report.events)
    outcome.figure("audit seconds", report.seconds)
    if not outcome.check(report.ok, "the audit fails"):
        say(summary(report))


async def acknowledged_exactly_once(
    outcome: Outcome, dsn: str, streams: list[str], acked: dict[str, str], code: str
) -> None:
    """Every acknowledged key (key -> transfer id) is in the log exactly once; nothing else is."""
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        rows = await conn.fetch(_TRANSFERS, streams, code)
    finally:
        await conn.close()
    per_key = Counter(r["key"] for r in rows)
    by_key = {r["key"]: r["transfer_id"] for r in rows}
    lost = [k for k in acked if per_key[k] == 0]
    duplicated = [k for k, n in per_key.items() if n > 1]
    unacknowledged = [k for k in per_key if k not in acked]
    mismatched = [k for k, t in acked.items() if per_key[k] and by_key[k] != t]
    outcome.figure(f"{code} transfers in the log", len(rows))
    outcome.figure("acknowledged keys", len(acked))
    outcome.figure("lost", len(lost))
    outcome.figure("duplicated", len(duplicated))
    outcome.check(not lost, f"{len(lost)} acknowledged {code}s are missing, e.g. {lost[:3]}")
    outcome.check(not duplicated, f"{len(duplicated)} keys have several transfers")
    outcome.check(not unacknowledged, f"{len(unacknowledged)} transfers were never acknowledged")
    outcome.check(not mismatched, f"{len(mismatched)} keys answered another transfer id")


async def contiguous_versions(outcome: Outcome, dsn: str) -> None:
    """Every stream's versions run 1..head without a hole."""
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        gaps = await conn.fetch(_GAPS)
    finally:
        await conn.close()
    outcome.check(not gaps, f"streams with holes in their versions: {[dict(g) for g in gaps]}")


async def dump_models(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row in key order."""
    return {
        table: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        for table, key in MODELS.items()
    }


async def caught_up(dsn: str, patience: float) -> float | None:
    """Seconds until every projector has applied every event, or None after `patience`."""
    began = time.monotonic()
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        while time.monotonic() - began < patience:
            total = await conn.fetchval("SELECT count(*) FROM events")
            applied = await conn.fetch("SELECT events_applied FROM projector_checkpoints")
            if len(applied) >= len(PROJECTIONS) and all(
                r["events_applied"] >= total for r in applied
            ):
                return time.monotonic() - began
            await asyncio.sleep(0.02)
    finally:
        await conn.close()
    return None
