"""Trades: offering (escrow), accepting (one swap), declining, cancelling, expiring, the rules of
who may do which, and the race for the trade's version 2."""

import asyncio
from datetime import datetime, timedelta

import pytest

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY, DEFAULT_CATALOG
from domain.commands import CloseTrade, EconomyRules, OfferTrade, Purchase, SignUp, TopUp
from domain.escrow_errors import NotTradeParty, TradeNotOpen, UnknownTrade
from domain.escrow_events import TradeOffered
from domain.events import Transferred
from domain.ledger import Decision, PlayerState, imbalances
from domain.trades import TradeState, decide_close_trade, decide_offer_trade
from domain.transfer_errors import InsufficientFunds, InvalidAmount, SelfTransfer, UnknownAsset
from service.job import Sender
from service.ledger import LedgerService
from tests.fakes import NOW, FakeEventStore, fake_ledger
from tests.invariants import fold, violations

RULES = EconomyRules(genesis_supply=100_000, shard_count=2, hold_max_seconds=3_600)
TRADE = accounts.trade_account("t1")
ALICE, BOB = "player:a", "player:b"
GIVE, WANT = {"gold_coin": 2}, {CURRENCY: 30}


def alice(coins: int = 5, version: int = 4) -> PlayerState:
    return PlayerState(player_id="a", version=version, balances={CURRENCY: 10, "gold_coin": coins})


def bob(diamonds: int = 100) -> PlayerState:
    return PlayerState(player_id="b", version=7, balances={CURRENCY: diamonds})


def when_offered(
    give: dict[str, int] = GIVE, want: dict[str, int] = WANT, **kwargs: object
) -> Decision:
    recipient = str(kwargs.pop("recipient", "b"))
    cmd = OfferTrade(offerer_id="a", to="bob", give=give, want=want, **kwargs)  # type: ignore[arg-type]
    return decide_offer_trade(
        alice(),
        recipient,
        cmd,
        names=("alice", "bob"),
        trade_id="t1",
        transfer_id="x1",
        catalog=DEFAULT_CATALOG,
        rules=RULES,
        now=NOW,
    )


def open_trade() -> TradeState:
    [offered] = when_offered(expires_in=60).appends[1].events
    assert isinstance(offered, TradeOffered)
    return TradeState(offered=offered, version=1, status="open")


def when_closed(
    outcome: str,
    caller: str | None,
    *,
    trade: TradeState | None = None,
    at: datetime = NOW,
    diamonds: int = 100,
) -> Decision:
    cmd = CloseTrade(trade_id="t1", outcome=outcome, caller_id=caller)  # type: ignore[arg-type]
    offerer = PlayerState(player_id="a", version=5, balances={CURRENCY: 10, "gold_coin": 3})
    return decide_close_trade(
        trade or open_trade(), offerer, bob(diamonds), cmd, transfer_id="x2", now=at
    )


def test_an_offer_escrows_what_it_gives_and_opens_the_trades_stream() -> None:
    player, trade = when_offered().appends
    assert (player.stream, player.expected, trade.stream, trade.expected) == (ALICE, 4, TRADE, 0)
    [escrow] = player.events
    assert isinstance(escrow, Transferred)
    assert escrow.state_after == {CURRENCY: 10, "gold_coin": 3}
    assert (escrow.code, escrow.details.trade_id, escrow.details.counterparty) == (
        "trade_offer",
        "t1",
        "bob",
    )
    assert {(g.account, g.amount) for g in escrow.legs} == {(ALICE, -2), (TRADE, 2)}
    [offered] = trade.events
    assert isinstance(offered, TradeOffered)
    assert (offered.offerer, offered.recipient, offered.want) == ("alice", "bob", WANT)
    assert offered.expires_at == NOW + timedelta(hours=1)  # a day, capped at the maximum


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"give": {"gold_coin": 6}}, InsufficientFunds),
        ({"give": {"ruby": 1}}, UnknownAsset),
        ({"want": {"ruby": 1}}, UnknownAsset),
        ({"want": {}}, InvalidAmount),
        ({"want": {CURRENCY: 0}}, InvalidAmount),
        ({"expires_in": 3_601}, InvalidAmount),
        ({"recipient": "a"}, SelfTransfer),
    ],
)
def test_offer_refusals(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        when_offered(**kwargs)  # type: ignore[arg-type]


def test_accepting_is_one_swap_on_the_trade_and_both_players() -> None:
    trade, offerer, recipient = when_closed("accept", "b").appends
    assert [(a.stream, a.expected) for a in (trade, offerer, recipient)] == [
        (TRADE, 1),
        (ALICE, 5),
        (BOB, 7),
    ]
    posted, *mirrors = (a.events[0] for a in (trade, offerer, recipient))
    assert isinstance(posted, Transferred)
    assert not posted.mirror
    assert all(m.mirror for m in mirrors)  # type: ignore[attr-defined]
    assert imbalances(posted.legs) == {}
    assert fold([posted]) == {
        (TRADE, "gold_coin"): -2,
        (BOB, "gold_coin"): 2,
        (BOB, CURRENCY): -30,
        (ALICE, CURRENCY): 30,
    }
    assert offerer.events[0].state_after == {CURRENCY: 40, "gold_coin": 3}  # type: ignore[attr-defined]
    assert recipient.events[0].state_after == {CURRENCY: 70, "gold_coin": 2}  # type: ignore[attr-defined]
    assert [m.details.counterparty for m in mirrors] == ["bob", "alice"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("outcome", "caller", "code"),
    [
        ("decline", "b", "trade_decline"),
        ("cancel", "a", "trade_cancel"),
        ("expire", None, "trade_expiry"),
    ],
)
def test_decline_cancel_and_expiry_give_the_escrow_back(
    outcome: str, caller: str | None, code: str
) -> None:
    trade, offerer = when_closed(outcome, caller, at=NOW + timedelta(seconds=60)).appends
    [posted] = trade.events
    assert isinstance(posted, Transferred)
    assert (posted.code, posted.state_after) == (code, {"gold_coin": 0})
    assert fold([posted]) == {(TRADE, "gold_coin"): -2, (ALICE, "gold_coin"): 2}
    assert offerer.events[0].state_after == {CURRENCY: 10, "gold_coin": 5}  # type: ignore[attr-defined]


def test_who_may_close_a_trade() -> None:
    with pytest.raises(NotTradeParty):
        when_closed("accept", "a")  # the offerer cannot accept their own offer
    with pytest.raises(NotTradeParty):
        when_closed("cancel", "b")  # the recipient declines instead
    with pytest.raises(NotTradeParty):
        when_closed("expire", "a")  # only the expirer expires
    with pytest.raises(UnknownTrade):
        when_closed("decline", "stranger")  # someone else's trade is not seen


def test_refusals_to_close() -> None:
    closed = TradeState(offered=open_trade().offered, version=2, status="cancelled")
    with pytest.raises(TradeNotOpen) as refused:
        when_closed("accept", "b", trade=closed)
    assert refused.value.context["tradeStatus"] == "cancelled"
    with pytest.raises(TradeNotOpen):
        when_closed("expire", None)  # not due yet
    with pytest.raises(TradeNotOpen):
        when_closed("accept", "b", at=NOW + timedelta(seconds=60))  # expired
    with pytest.raises(InsufficientFunds):
        when_closed("accept", "b", diamonds=29)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def economy() -> tuple[LedgerService, FakeEventStore, Clock, str, str]:
    clock = Clock()
    ledger, store = fake_ledger(RULES, clock=clock)
    assert await ledger.seed_genesis()
    a = (
        await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="hash"))
    ).player_id
    b = (await ledger.handle(SignUp(username="bob"), caller=Sender(password_hash="hash"))).player_id
    for player in (a, b):
        await ledger.handle(TopUp(player_id=player, amount=500))
    await ledger.handle(Purchase(player_id=a, item="gold_coin", quantity=2))
    return ledger, store, clock, a, b


def offer(a: str, expires_in: int | None = 60) -> OfferTrade:
    return OfferTrade(offerer_id=a, to="Bob", give=GIVE, want=WANT, expires_in=expires_in)


async def test_a_trade_through_the_pipeline() -> None:
    ledger, store, _, a, b = await economy()
    offered = await ledger.handle(offer(a), "k1")
    assert await ledger.handle(offer(a), "k1") == offered  # once per key
    assert (offered.status, offered.offerer, offered.recipient) == ("open", "alice", "bob")
    accepted = await ledger.handle(
        CloseTrade(trade_id=offered.trade_id, outcome="accept", caller_id=b)
    )
    assert accepted.status == "accepted"
    heads = [store.head(accounts.player_account(p)) for p in (a, b)]
    assert [h.event.state_after for h in heads if h] == [  # type: ignore[attr-defined]
        {CURRENCY: 510, "gold_coin": 0},
        {CURRENCY: 470, "gold_coin": 2},
    ]
    assert violations(store.transfers(), RULES.genesis_supply) == []


async def test_unknown_players_and_trades() -> None:
    ledger, _, _, a, b = await economy()
    with pytest.raises(UnknownPlayer):
        await ledger.handle(OfferTrade(offerer_id=a, to="carol", give=GIVE, want=WANT))
    with pytest.raises(UnknownTrade):
        await ledger.handle(CloseTrade(trade_id="nope", outcome="decline", caller_id=b))


async def test_two_offers_cannot_promise_the_same_coins() -> None:
    ledger, *_, a, _ = await economy()
    outcomes = await asyncio.gather(
        *(ledger.handle(offer(a)) for _ in range(2)), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["InsufficientFunds", "TradeResult"]


async def test_accept_cancel_decline_and_expiry_race_for_one_outcome() -> None:
    ledger, store, clock, a, b = await economy()
    offered = await ledger.handle(offer(a))
    clock.now = NOW + timedelta(seconds=59)
    closing = [
        ledger.handle(CloseTrade(trade_id=offered.trade_id, outcome=o, caller_id=who))
        for o, who in (("accept", b), ("cancel", a), ("decline", b))
    ]
    outcomes = await asyncio.gather(*closing, return_exceptions=True)
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(won) == 1
    assert [type(o) for o in outcomes if isinstance(o, BaseException)] == [TradeNotOpen] * 2
    clock.now = NOW + timedelta(seconds=60)
    with pytest.raises(TradeNotOpen):
        await ledger.handle(CloseTrade(trade_id=offered.trade_id, outcome="expire"))
    assert store.version(accounts.trade_account(offered.trade_id)) == 2
    assert violations(store.transfers(), RULES.genesis_supply) == []
