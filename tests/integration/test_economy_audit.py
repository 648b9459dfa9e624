"""The audit's economy invariants: each transfer posted by exactly one copy, holds and trades
that hold what their streams say, and rebuild-equal holds and trades models, after gifts, holds,
trades and a settlement; replay shows a trade's and a settled hold's life."""

import asyncpg
import msgspec

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import (
    CloseHold,
    CloseTrade,
    Gift,
    OfferTrade,
    Payout,
    PlaceHold,
    Purchase,
    Settle,
)
from domain.details import HoldDetails, TradeDetails
from domain.events import Transferred
from domain.ledger import Append
from infra import eventstore
from projections import holds, trades
from projections.audit import AuditReport, run_audit, summary
from projections.replay import replay
from projections.runner import catch_up
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.test_gift_concurrency import named


def failing(report: AuditReport) -> dict[str, list[str]]:
    return {c.name: c.details for c in report.checks if not c.ok}


async def economy(ledger: LedgerService) -> tuple[str, str]:
    ann, ben = await named(ledger, "ann", 500), await named(ledger, "ben", 0)
    await ledger.handle(Gift(sender_id=ann, to="ben", asset=CURRENCY, amount=50))
    kept = await ledger.handle(
        PlaceHold(player="ann", asset=CURRENCY, amount=40, expires_in=60), caller=Sender("server")
    )
    closed = await ledger.handle(
        PlaceHold(player="ann", asset=CURRENCY, amount=30, expires_in=60), caller=Sender("server")
    )
    await ledger.handle(
        CloseHold(hold_id=closed.hold_id, outcome="capture", amount=10), caller=Sender("server")
    )
    return ben, kept.hold_id


async def audit(pool: asyncpg.Pool) -> AuditReport:
    await catch_up(pool)
    async with pool.acquire() as conn:
        return await run_audit(conn)


async def test_gifts_and_holds_pass_the_audit(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    await economy(ledger)
    report = await audit(pool)
    assert report.ok, summary(report)


async def test_a_mirror_posted_as_a_transfer_is_found(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    ben, _ = await economy(ledger)
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, accounts.player_account(ben))
        assert head is not None
        assert isinstance(head.event, Transferred)
        forged = msgspec.structs.replace(head.event, mirror=False)  # posts the gift twice
        stream = accounts.player_account(ben)
        await eventstore.append(
            conn, (Append(stream=stream, expected=head.version, events=(forged,)),)
        )
    found = failing(await audit(pool))
    assert any("posted by 2 copies" in line for line in found["transfers_balance"])


async def test_a_hold_closed_without_moving_its_money_is_found(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    _, hold = await economy(ledger)
    account = accounts.hold_account(hold)
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, account)
        assert head is not None
        hollow = Transferred(  # says voided, but returns nothing: the 40 stay in the hold
            transfer_id="hollow",
            code="hold_void",
            legs=(),
            state_after={},
            occurred_at=head.recorded_at,
            details=HoldDetails(hold_id=hold),
        )
        await eventstore.append(conn, (Append(stream=account, expected=1, events=(hollow,)),))
    found = failing(await audit(pool))
    assert found["held"] == [f"{account}: holds {{'diamond': 40}}, its stream says {{}}"]


async def trades_and_a_match(ledger: LedgerService) -> tuple[str, str, str, str]:
    """An accepted, a cancelled and an open trade, and a settled match.

    Returns the seller, the buyer, the open trade and a settled hold."""
    seller, buyer = await named(ledger, "sid", 100), await named(ledger, "bea", 100)
    await ledger.handle(Purchase(player_id=seller, item="gold_coin", quantity=3))
    made = [
        await ledger.handle(
            OfferTrade(offerer_id=seller, to="bea", give={"gold_coin": 1}, want={CURRENCY: 7})
        )
        for _ in range(3)
    ]
    await ledger.handle(CloseTrade(trade_id=made[0].trade_id, outcome="accept", caller_id=buyer))
    await ledger.handle(CloseTrade(trade_id=made[1].trade_id, outcome="cancel", caller_id=seller))
    holds = [
        (
            await ledger.handle(
                PlaceHold(player=name, asset=CURRENCY, amount=20, expires_in=60),
                caller=Sender("server"),
            )
        ).hold_id
        for name in ("sid", "bea")
    ]
    payout = (Payout(to="bea", amount=30),)
    await ledger.handle(Settle(holds=tuple(holds), payouts=payout), caller=Sender("server"))
    return seller, buyer, made[2].trade_id, holds[1]


async def test_trades_and_settlements_pass_the_audit(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    seller, _, open_trade, _ = await trades_and_a_match(ledger)
    report = await audit(pool)
    assert report.ok, summary(report)
    async with pool.acquire() as conn:  # held = pending holds + open offers, as /balance sums it
        assert await trades.escrowed(conn, seller) == {"gold_coin": 1}
        assert await holds.held(conn, seller) == {}
        await conn.execute("DELETE FROM rm_trades WHERE trade_id = $1", open_trade)
    found = failing(await audit(pool))
    assert found == {
        "read_models": [f"rm_trades[{open_trade}]: missing (the log gives {{'gold_coin': 1}})"]
    }


async def test_a_trade_closed_without_returning_its_escrow_is_found(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    _, _, open_trade, _ = await trades_and_a_match(ledger)
    account = accounts.trade_account(open_trade)
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, account)
        assert head is not None
        hollow = Transferred(  # says cancelled, but returns nothing: the coin stays in escrow
            transfer_id="hollow",
            code="trade_cancel",
            legs=(),
            state_after={},
            occurred_at=head.recorded_at,
            details=TradeDetails(trade_id=open_trade),
        )
        await eventstore.append(conn, (Append(stream=account, expected=1, events=(hollow,)),))
    found = failing(await audit(pool))
    assert found["held"] == [f"{account}: holds {{'gold_coin': 1}}, its stream says None"]


async def test_replay_shows_a_trades_life_and_a_settled_holds(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    _, buyer, open_trade, settled_hold = await trades_and_a_match(ledger)
    await ledger.handle(CloseTrade(trade_id=open_trade, outcome="decline", caller_id=buyer))
    async with pool.acquire() as conn:
        life = await replay(conn, accounts.trade_account(open_trade))
        hold_life = await replay(conn, accounts.hold_account(settled_hold))
    assert [(s.event_type, s.state_after["status"]) for s in life] == [
        ("trade_offered", "open"),
        ("transferred", "declined"),
    ]
    assert life[0].state_after["balances"] == {"gold_coin": 1}
    assert life[1].state_after["balances"] == {"gold_coin": 0}
    assert [s.state_after["status"] for s in hold_life] == ["pending", "captured"]
