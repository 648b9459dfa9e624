"""Jobs name every stream they read, so a close of an escrow loads in one round trip: the trade
or hold with its players' wallets, and the key (DESIGN-NOTES note 7)."""

from typing import cast

import asyncpg

from domain.assets import CURRENCY
from domain.commands import CloseHold, CloseTrade, OfferTrade, PlaceHold, SignUp, TopUp
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.test_eventstore import _CountingPool
from tests.ledgers import ledger_over

SERVER = Sender("game-server")


async def rich(ledger: LedgerService, name: str) -> str:
    player = await ledger.handle(SignUp(username=name), caller=Sender(password_hash="h"))
    await ledger.handle(TopUp(player_id=player.player_id, amount=100))
    return str(player.player_id)


async def test_a_trade_accept_loads_the_trade_and_both_players_in_one_round_trip(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    seller, buyer = await rich(ledger, "seller"), await rich(ledger, "buyer")
    counting = _CountingPool(pool)
    service = ledger_over(cast(asyncpg.Pool, counting), ledger.rules)
    offer = OfferTrade(offerer_id=seller, to="buyer", give={CURRENCY: 5}, want={CURRENCY: 3})
    trade = await service.handle(offer)
    counting.queries = 0
    accept = CloseTrade(trade_id=trade.trade_id, outcome="accept", caller_id=buyer)
    assert (await service.handle(accept, "k-accept")).status == "accepted"
    # The trade, both wallets and the key together; the append; the position after the commit.
    assert counting.queries == 3


async def test_a_hold_capture_loads_the_hold_and_the_player_in_one_round_trip(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await rich(ledger, "player")
    counting = _CountingPool(pool)
    service = ledger_over(cast(asyncpg.Pool, counting), ledger.rules)
    place = PlaceHold(player="player", asset=CURRENCY, amount=40, expires_in=60)
    hold = await service.handle(place, "k-place", SERVER)
    counting.queries = 0
    capture = CloseHold(hold_id=hold.hold_id, outcome="capture")
    assert (await service.handle(capture, "k-capture", SERVER)).status == "captured"
    # The hold, the wallet and the key together; the append; the position after the commit.
    assert counting.queries == 3


async def test_another_process_follows_the_escrow_to_its_players_in_one_more_round_trip(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    seller, buyer = await rich(ledger, "seller"), await rich(ledger, "buyer")
    offer = OfferTrade(offerer_id=seller, to="buyer", give={CURRENCY: 5}, want={CURRENCY: 3})
    trade = await ledger.handle(offer)
    counting = _CountingPool(pool)
    fresh = ledger_over(cast(asyncpg.Pool, counting), ledger.rules)  # never saw the offer
    accept = CloseTrade(trade_id=trade.trade_id, outcome="accept", caller_id=buyer)
    assert (await fresh.handle(accept)).status == "accepted"
    # The trade; both wallets together (not one each); the append; the position after it.
    assert counting.queries == 4
