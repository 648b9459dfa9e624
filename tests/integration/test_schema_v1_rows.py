"""A database written before schema version 2: its flat version-1 transfer rows stay as they
are (their hashes too), and they decode, project, audit, rebuild and replay as they did. New
rows on the same streams are written as version 2 beside them."""

from typing import Any

import asyncpg
import msgspec
import pytest

from domain.assets import CURRENCY
from domain.commands import CloseHold, Gift, Grant, Purchase, Reverse
from infra import codec, eventstore
from projections import queries
from projections.audit import run_audit, summary
from projections.rebuild import rebuild
from projections.registry import PROJECTIONS
from projections.replay import replay
from projections.runner import catch_up
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.projection_support import dump_models
from tests.integration.test_economy_audit import economy, trades_and_a_match

_ROWS = """
SELECT schema_version, payload::text AS payload FROM events
 WHERE event_type = 'transferred' ORDER BY global_position
"""


def write_as_version_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """The event store writes what a release before version 2 wrote: every transfer field flat
    (in that release's order, nulls included), stored as schema version 1."""
    monkeypatch.setattr(eventstore, "SCHEMA_VERSION", 1)
    monkeypatch.setattr(
        codec, "encode", lambda event: msgspec.json.encode(codec.as_v1(event)).decode()
    )


async def old_economy(ledger: LedgerService) -> tuple[str, str, str]:
    """Gifts, holds, trades, a settlement, purchases, a grant and a reversal."""
    ben, kept = await economy(ledger)
    seller, _, _, _ = await trades_and_a_match(ledger)
    bought = await ledger.handle(Purchase(player_id=ben, item="gold_coin"))
    await ledger.handle(
        Reverse(player_id=ben, transfer_id=bought.transfer_id, reason="refund", actor="ops")
    )
    await ledger.handle(Grant(player="ben", amount=25, reason="quest"), caller=Sender("server"))
    await ledger.handle(Purchase(player_id=seller, item="treasure_box"))
    return ben, kept, bought.transfer_id


async def audited(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    """The read models once projected, after the audit passed and a rebuild left them equal."""
    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)
    live = await dump_models(pool)
    await rebuild(pool, list(PROJECTIONS))
    assert await dump_models(pool) == live
    return live


async def test_version_1_rows_audit_rebuild_and_replay_as_stored(
    pool: asyncpg.Pool, ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_as_version_1(monkeypatch)
    ben, kept, bought = await old_economy(ledger)
    monkeypatch.undo()
    # Every transfer but the genesis (seeded before the old release's writes) is an old row.
    old = [r for r in await pool.fetch(_ROWS) if '"genesis"' not in r["payload"]]
    assert {r["schema_version"] for r in old} == {1}
    assert all('"item":' in r["payload"] and '"details"' not in r["payload"] for r in old)

    await audited(pool)
    async with pool.acquire() as conn:
        steps = await replay(conn, f"player:{ben}")
        stored = await conn.fetch(
            "SELECT payload::text FROM events WHERE stream_id = $1 ORDER BY version",
            f"player:{ben}",
        )
        page = await queries.history_page(conn, ben, before_version=None, limit=20)
    # Replay shows each old event as it is stored (jsonb orders keys its own way).
    shown_json = [msgspec.json.decode(msgspec.json.encode(s.event)) for s in steps]
    assert shown_json == [msgspec.json.decode(r[0]) for r in stored]
    shown = {(e.code, e.item, e.reverses, e.reason, e.counterparty) for e in page.entries}
    assert {
        ("gift", None, None, None, "ann"),
        ("purchase", "gold_coin", None, None, None),
        ("reversal", None, bought, "refund", None),
        ("grant", None, None, "quest", None),
    } <= shown

    # The upgraded release writes version 2 on the same streams, and the log still audits.
    await ledger.handle(Gift(sender_id=ben, to="ann", asset=CURRENCY, amount=5, memo="thanks"))
    await ledger.handle(
        CloseHold(hold_id=kept, outcome="capture", amount=15), caller=Sender("server")
    )
    rows = await pool.fetch(_ROWS)
    assert [r["schema_version"] for r in rows[-3:]] == [2, 2, 2]
    assert '"details":' in rows[-1]["payload"]
    await audited(pool)
    held = await pool.fetchrow("SELECT status, captured FROM rm_holds WHERE hold_id = $1", kept)
    assert tuple(held) == ("captured", 15)
