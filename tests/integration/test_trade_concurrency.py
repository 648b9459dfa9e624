"""Trades on a real database, in both write modes: accept races cancel, decline and expiry for
the trade's version 2 and exactly one wins; two offers never escrow the same coins; the expirer
finds due offers in the read model."""

from collections import Counter
from datetime import timedelta

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import CloseTrade, OfferTrade, Purchase, TradeOutcome
from domain.escrow_errors import TradeNotOpen
from infra import eventstore
from projections import trades
from projections.overdue import ReadModelOverdue
from projections.runner import catch_up
from service.expirer import expire_due
from service.ledger import LedgerService
from service.pipeline import utc_now
from tests.conftest import WRITE_MODES
from tests.integration.conftest import Audit, LedgerFactory
from tests.integration.test_command_concurrency import race, versions
from tests.integration.test_gift_concurrency import named
from tests.integration.test_hold_concurrency import RULES, audited, later

pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)

ROUNDS = 50
COIN = "gold_coin"


async def trader(ledger: LedgerService, name: str, coins: int) -> str:
    """A player holding `coins` gold coins (10 diamonds each) and nothing else."""
    player = await named(ledger, name, 10 * coins)
    await ledger.handle(Purchase(player_id=player, item=COIN, quantity=coins))
    return player


def offer(offerer: str, to: str, coins: int = 1, expires_in: int = 60) -> OfferTrade:
    return OfferTrade(
        offerer_id=offerer, to=to, give={COIN: coins}, want={CURRENCY: 3}, expires_in=expires_in
    )


async def wallet(pool: asyncpg.Pool, player: str) -> dict[str, int]:
    """What the player can spend, from the head of their stream (zeros left out)."""
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, accounts.player_account(player))
    assert head is not None
    return {k: v for k, v in getattr(head.event, "state_after", {}).items() if v}


@pytest.mark.parametrize("rival", ["cancel", "decline", "expire"])
async def test_accept_against_a_rival_leaves_exactly_one_outcome(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit, write_mode: str, rival: TradeOutcome
) -> None:
    ledger = await economy(RULES)
    expirer = later(pool, 3_600, write_mode)
    seller = await trader(ledger, "seller", ROUNDS)
    buyer = await named(ledger, "buyer", 3 * ROUNDS)
    rivals = {"cancel": seller, "decline": buyer, "expire": None}
    won: Counter[str] = Counter()
    try:
        for _ in range(ROUNDS):
            trade = await ledger.handle(offer(seller, "buyer"))
            accept = CloseTrade(trade_id=trade.trade_id, outcome="accept", caller_id=buyer)
            other = CloseTrade(trade_id=trade.trade_id, outcome=rival, caller_id=rivals[rival])
            closes = [
                ledger.handle(accept),
                (expirer if rival == "expire" else ledger).handle(other),
            ]
            done, errors = await race(closes)
            assert len(done) == 1, errors
            assert [type(e) for e in errors] == [TradeNotOpen]
            won[done[0].status] += 1
            assert await versions(pool, accounts.trade_account(trade.trade_id)) == [1, 2]
    finally:
        await expirer.close()
    accepted = won["accepted"]
    assert sum(won.values()) == ROUNDS
    assert set(won) <= {
        "accepted",
        {"cancel": "cancelled", "decline": "declined"}.get(rival, "expired"),
    }
    assert await wallet(pool, seller) == {
        k: v for k, v in {COIN: ROUNDS - accepted, CURRENCY: 3 * accepted}.items() if v
    }
    assert await wallet(pool, buyer) == {
        k: v for k, v in {COIN: accepted, CURRENCY: 3 * (ROUNDS - accepted)}.items() if v
    }
    await audit()
    await audited(pool)
    async with pool.acquire() as conn:
        assert await trades.escrowed(conn, seller) == {}
        assert await trades.listed(conn, seller, "open", 10) == []


async def test_one_player_offering_the_same_items_twice_at_once_escrows_them_once(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit
) -> None:
    ledger = await economy(RULES)
    seller = await trader(ledger, "doubler", 2)
    await named(ledger, "first", 0)
    await named(ledger, "second", 0)
    done, errors = await race(
        [ledger.handle(offer(seller, to, coins=2)) for to in ("first", "second") * 5]
    )
    assert len(done) == 1
    assert {type(e).__name__ for e in errors} == {"InsufficientFunds"}
    assert await wallet(pool, seller) == {}
    await catch_up(pool)
    async with pool.acquire() as conn:
        assert await trades.escrowed(conn, seller) == {COIN: 2}
        [listed] = await trades.listed(conn, seller, "open", 10)
    assert listed.trade_id == done[0].trade_id
    await audit()
    await audited(pool)


async def test_the_expirer_gives_due_offers_back_after_a_restart(
    pool: asyncpg.Pool, economy: LedgerFactory, write_mode: str
) -> None:
    ledger = await economy(RULES)
    seller = await trader(ledger, "patient", 3)
    await named(ledger, "absent", 0)
    placed = [
        await ledger.handle(offer(seller, "absent", expires_in=seconds))
        for seconds in (30, 60, 3_000)
    ]
    await ledger.handle(CloseTrade(trade_id=placed[1].trade_id, outcome="cancel", caller_id=seller))
    await catch_up(pool)
    # A new process (nothing in memory) after the first expiry: it re-reads what is due.
    restarted, due = later(pool, 120, write_mode), ReadModelOverdue(pool)
    try:
        assert await expire_due(due, restarted, utc_now() + timedelta(seconds=120)) == 1
        assert await expire_due(due, restarted, utc_now() + timedelta(seconds=120)) == 0
    finally:
        await restarted.close()
    await catch_up(pool)
    async with pool.acquire() as conn:
        statuses = {t.trade_id: t.status for t in await trades.listed(conn, seller, None, 10)}
        assert await trades.escrowed(conn, seller) == {COIN: 1}
    assert [statuses[t.trade_id] for t in placed] == ["expired", "cancelled", "open"]
    assert await wallet(pool, seller) == {COIN: 2}
    await audited(pool)
