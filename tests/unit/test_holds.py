"""Holds: placing, capturing (partly), voiding and expiring, and the race for version 2."""

import asyncio
from datetime import datetime, timedelta

import pytest

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY, DEFAULT_CATALOG
from domain.commands import CloseHold, EconomyRules, PlaceHold, SignUp, TopUp
from domain.escrow_errors import HoldNotPending, UnknownHold
from domain.escrow_events import HoldPlaced
from domain.events import Transferred
from domain.holds import Actor, HoldState, decide_close_hold, decide_place_hold
from domain.ledger import Decision, PlayerState, imbalances
from domain.transfer_errors import InsufficientFunds, InvalidAmount, UnknownAsset
from service.job import Sender
from service.ledger import LedgerService
from tests.fakes import NOW, FakeEventStore, fake_ledger
from tests.invariants import violations

RULES = EconomyRules(genesis_supply=100_000, shard_count=2, hold_max_seconds=3_600)
HOLD = accounts.hold_account("h1")
SERVER = Actor(account="server", role="service")


def given(diamonds: int = 500, version: int = 4) -> PlayerState:
    return PlayerState(player_id="p1", version=version, balances={CURRENCY: diamonds})


def when_placed(amount: int = 100, asset: str = CURRENCY, expires_in: int = 60) -> Decision:
    cmd = PlaceHold(player="alice", asset=asset, amount=amount, expires_in=expires_in, memo="m1")
    return decide_place_hold(
        given(),
        cmd,
        placed_by="server",
        hold_id="h1",
        transfer_id="t1",
        username="alice",
        catalog=DEFAULT_CATALOG,
        rules=RULES,
        now=NOW,
    )


def pending() -> HoldState:
    [placed] = when_placed().appends[1].events
    assert isinstance(placed, HoldPlaced)
    return HoldState(placed=placed, version=1, status="pending")


def when_closed(
    outcome: str, amount: int | None = None, *, hold: HoldState | None = None, at: datetime = NOW
) -> Decision:
    cmd = CloseHold(hold_id="h1", outcome=outcome, amount=amount)  # type: ignore[arg-type]
    return decide_close_hold(
        hold or pending(), given(400, 5), cmd, by=SERVER, transfer_id="t2", now=at
    )


def test_placing_moves_the_amount_into_the_hold_and_opens_its_stream() -> None:
    player, hold = when_placed().appends
    assert (player.stream, player.expected, hold.stream, hold.expected) == ("player:p1", 4, HOLD, 0)
    [transfer] = player.events
    assert isinstance(transfer, Transferred)
    assert transfer.state_after == {CURRENCY: 400}
    assert (transfer.code, transfer.details.hold_id, transfer.details.memo) == ("hold", "h1", "m1")
    assert imbalances(transfer.legs) == {}
    [placed] = hold.events
    assert isinstance(placed, HoldPlaced)
    assert placed.expires_at == NOW + timedelta(seconds=60)
    assert placed.placed_by == "server"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"amount": 501}, InsufficientFunds),
        ({"asset": "ruby"}, UnknownAsset),
        ({"expires_in": 3_601}, InvalidAmount),
    ],
)
def test_placing_refusals(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        when_placed(**kwargs)  # type: ignore[arg-type]


def test_a_partial_capture_sends_part_to_the_treasury_and_releases_the_rest() -> None:
    hold, player = when_closed("capture", 30).appends
    assert (hold.stream, hold.expected) == (HOLD, 2 - 1)
    [posted], [mirror] = hold.events, player.events
    assert isinstance(posted, Transferred)
    assert isinstance(mirror, Transferred)
    assert posted.legs == mirror.legs
    assert (posted.mirror, mirror.mirror) == (False, True)
    assert {(g.account, g.amount) for g in posted.legs} == {
        (HOLD, -100),
        (accounts.INFLOW, 30),
        ("player:p1", 70),
    }
    assert mirror.state_after == {CURRENCY: 470}
    assert posted.state_after == {CURRENCY: 0}


def test_a_full_capture_leaves_the_players_stream_alone() -> None:
    [hold] = when_closed("capture").appends
    assert hold.stream == HOLD


@pytest.mark.parametrize("outcome", ["void", "expire"])
def test_void_and_expiry_release_everything(outcome: str) -> None:
    at = NOW + timedelta(seconds=60)
    hold, player = when_closed(outcome, at=at).appends
    assert player.events[0].state_after == {CURRENCY: 500}  # type: ignore[attr-defined]
    assert hold.events[0].code == f"hold_{'void' if outcome == 'void' else 'expiry'}"  # type: ignore[attr-defined]


def test_refusals_to_close() -> None:
    closed = HoldState(placed=pending().placed, version=2, status="voided")
    with pytest.raises(HoldNotPending):
        when_closed("capture", hold=closed)
    with pytest.raises(HoldNotPending):
        when_closed("expire")  # not due yet
    with pytest.raises(HoldNotPending):
        when_closed("capture", at=NOW + timedelta(seconds=60))  # expired
    with pytest.raises(InvalidAmount):
        when_closed("capture", 101)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def economy() -> tuple[LedgerService, FakeEventStore, Clock, str]:
    clock = Clock()
    ledger, store = fake_ledger(RULES, clock=clock)
    assert await ledger.seed_genesis()
    alice = (
        await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="hash"))
    ).player_id
    await ledger.handle(TopUp(player_id=alice, amount=500))
    return ledger, store, clock, alice


def place(amount: int = 100) -> PlaceHold:
    return PlaceHold(player="Alice", asset=CURRENCY, amount=amount, expires_in=60)


async def test_a_hold_through_the_pipeline() -> None:
    ledger, store, _, alice = await economy()
    placed = await ledger.handle(place(), "k1", Sender("server"))
    assert await ledger.handle(place(), "k1", Sender("server")) == placed  # once per key
    assert (placed.status, placed.player, placed.amount) == ("pending", "alice", 100)
    captured = await ledger.handle(
        CloseHold(hold_id=placed.hold_id, outcome="capture", amount=40), caller=Sender("server")
    )
    assert (captured.status, captured.captured) == ("captured", 40)
    head = store.head(accounts.player_account(alice))
    assert head is not None
    assert head.event.state_after == {CURRENCY: 460}  # type: ignore[attr-defined]
    assert violations(store.transfers(), RULES.genesis_supply) == []


async def test_unknown_players_and_holds() -> None:
    ledger, *_ = await economy()
    with pytest.raises(UnknownPlayer):
        await ledger.handle(
            PlaceHold(player="bob", asset=CURRENCY, amount=1, expires_in=5), caller=Sender("server")
        )
    with pytest.raises(UnknownHold):
        await ledger.handle(CloseHold(hold_id="nope", outcome="void"), caller=Sender("server"))


async def test_capture_void_and_expiry_race_for_one_outcome() -> None:
    ledger, store, clock, _ = await economy()
    held = await ledger.handle(place(), caller=Sender("server"))
    clock.now = NOW + timedelta(seconds=59)
    closing = [
        ledger.handle(CloseHold(hold_id=held.hold_id, outcome=o), caller=Sender("server"))
        for o in ("capture", "void")
    ]
    outcomes = await asyncio.gather(*closing, return_exceptions=True)
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(won) == 1
    assert [type(o) for o in outcomes if isinstance(o, BaseException)] == [HoldNotPending]
    clock.now = NOW + timedelta(seconds=60)
    expire = CloseHold(hold_id=held.hold_id, outcome="expire")
    with pytest.raises(HoldNotPending):
        await ledger.handle(expire, caller=Sender("expirer", "system"))
    assert store.version(accounts.hold_account(held.hold_id)) == 2
    assert violations(store.transfers(), RULES.genesis_supply) == []
