"""A rebuild reproduces the history's metadata, and the audit checks it against the log."""

import asyncpg

from domain.assets import CURRENCY
from domain.commands import Gift, Purchase, SignUp, TopUp
from projections.audit import run_audit, summary
from projections.rebuild import rebuild
from projections.runner import catch_up
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.projection_support import dump_models

LABELS = "SELECT version, code, metadata FROM rm_history WHERE player_id = $1 ORDER BY version"


async def labelled_traffic(ledger: LedgerService) -> tuple[str, str]:
    alice = (
        await ledger.handle(
            SignUp(username="alice", metadata={"src": "ad"}), caller=Sender(password_hash="h")
        )
    ).player_id
    bob = (await ledger.handle(SignUp(username="bob"), caller=Sender(password_hash="h"))).player_id
    await ledger.handle(TopUp(player_id=alice, amount=300, metadata={"storeOrder": "S-1"}))
    await ledger.handle(Purchase(player_id=alice, item="gold_coin", metadata={"matchId": "m1"}))
    gift = Gift(sender_id=alice, to="bob", asset=CURRENCY, amount=5, metadata={"ticket": "T1"})
    await ledger.handle(gift)
    return alice, bob


async def test_a_rebuilt_history_has_the_same_metadata(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    alice, bob = await labelled_traffic(ledger)
    await catch_up(pool)
    live = await dump_models(pool)
    await rebuild(pool, ["history"])
    assert await dump_models(pool) == live
    rows = [tuple(r) for r in await pool.fetch(LABELS, alice)]
    assert rows == [
        (2, "top_up", '{"storeOrder": "S-1"}'),
        (3, "purchase", '{"matchId": "m1"}'),
        (4, "gift", '{"ticket": "T1"}'),
    ]
    assert [tuple(r) for r in await pool.fetch(LABELS, bob)] == [(2, "gift", '{"ticket": "T1"}')]


async def test_the_audit_finds_history_metadata_that_differs_from_the_log(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    alice, _ = await labelled_traffic(ledger)
    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)
    await pool.execute(
        'UPDATE rm_history SET metadata = \'{"matchId": "m2"}\' WHERE player_id = $1'
        " AND version = 3",
        alice,
    )
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert not report.ok
    assert f"rm_history[{alice} v3]: differs" in summary(report)
