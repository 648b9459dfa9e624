"""One wallet row per player (issue 22): what /balance answers comes from one row whose version
covers all of it, held included; the audit checks the rows; a batch never splits a transaction."""

import asyncpg
import pytest

from domain.assets import CURRENCY
from domain.commands import CloseHold, CloseTrade, OfferTrade, PlaceHold
from infra import eventstore_reads
from infra.eventstore_reads import Cursor, read_after
from projections import queries
from projections.audit import run_audit, summary
from projections.runner import catch_up
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.test_gift_concurrency import named


async def _wallet(pool: asyncpg.Pool, player_id: str) -> queries.PlayerView:
    async with pool.acquire() as conn:
        view = await queries.player_view(conn, player_id, wait_seconds=0)
    assert view is not None
    return view


async def test_the_players_projector_alone_makes_the_wallet_current_held_included(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    ann = await named(ledger, "ann", 500)
    await named(ledger, "ben", 0)
    hold = await ledger.handle(
        PlaceHold(player="ann", asset=CURRENCY, amount=40, expires_in=60), caller=Sender("server")
    )
    trade = await ledger.handle(
        OfferTrade(offerer_id=ann, to="ben", give={CURRENCY: 25}, want={CURRENCY: 1})
    )
    await catch_up(pool, ["players"])  # neither the holds nor the trades model
    view = await _wallet(pool, ann)
    assert not view.stale
    assert (view.balance, view.held) == (435, {CURRENCY: 65})

    # A capture of the whole hold writes no event of ann's stream, yet her held changes.
    await ledger.handle(CloseHold(hold_id=hold.hold_id, outcome="capture"), caller=Sender("server"))
    await ledger.handle(CloseTrade(trade_id=trade.trade_id, outcome="cancel", caller_id=ann))
    await catch_up(pool, ["players"])
    view = await _wallet(pool, ann)
    assert not view.stale
    assert (view.balance, view.held) == (460, {})

    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)


async def test_the_audit_finds_a_wallet_row_edited_by_hand(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    ann = await named(ledger, "ann", 500)
    await catch_up(pool)
    await pool.execute("UPDATE rm_wallets SET held = '{\"diamond\": 5}' WHERE player_id = $1", ann)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    [check] = [c for c in report.checks if not c.ok]
    assert check.name == "read_models"
    assert [line.split(":")[0] for line in check.details] == [f"rm_wallets[{ann}]"]


async def test_a_full_batch_ends_where_its_last_transaction_does(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await named(ledger, "ann", 500)
    await catch_up(pool)  # every event below the horizon (other databases' writers hold it)
    async with pool.acquire() as conn:
        everything = await read_after(conn, Cursor(0, 0), 10_000)
        rows = await conn.fetch("SELECT transaction_id, global_position FROM events ORDER BY 1, 2")
        first = rows[0]["transaction_id"]
        whole = [r for r in rows if r["transaction_id"] == first]
        assert len(whole) > 1  # genesis: several streams in one transaction
        batch = await read_after(conn, Cursor(0, 0), 1)
    assert len(batch.events) == len(whole)
    assert batch.last == Cursor(first, whole[-1]["global_position"])
    assert len(everything.events) == len(rows)


async def test_the_projectors_of_a_process_decode_each_row_once(
    pool: asyncpg.Pool, ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await named(ledger, "ann", 500)
    await catch_up(pool)
    monkeypatch.setattr(eventstore_reads, "DECODED_BOUND", 3)
    eventstore_reads._DECODED.clear()
    async with pool.acquire() as conn:
        first = await read_after(conn, Cursor(0, 0), 2)
        again = await read_after(conn, Cursor(0, 0), 2)
        everything = await read_after(conn, Cursor(0, 0), 10_000)
    assert [e.event for e in first.events] == [e.event for e in again.events]
    assert all(a.event is b.event for a, b in zip(first.events, again.events, strict=True))
    assert len(eventstore_reads._DECODED) <= 3
    assert [e.event for e in everything.events[: len(first.events)]] == [
        e.event for e in first.events
    ]
