"""Gifts: the decision (both streams, the window, every refusal) and the command over the fake."""

import asyncio
from datetime import datetime, timedelta

import pytest

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY, DEFAULT_CATALOG
from domain.commands import EconomyRules, Gift, SignUp, TopUp
from domain.events import GiftBucket, GiftsSent, Transferred
from domain.gifts import GiftWindow, decide_gift, minute_of
from domain.ledger import Decision, PlayerState, imbalances
from domain.ports import StoredEvent
from domain.transfer_errors import GiftLimitExceeded, InsufficientFunds, SelfTransfer, UnknownAsset
from service.job import Sender
from service.ledger import LedgerService
from tests.fakes import NOW, FakeEventStore, fake_ledger
from tests.invariants import violations

RULES = EconomyRules(genesis_supply=100_000, shard_count=2, gift_daily_limit=1_000)


def given(pid: str, diamonds: int = 500, version: int = 2, **items: int) -> PlayerState:
    return PlayerState(player_id=pid, version=version, balances={CURRENCY: diamonds, **items})


def given_window(*buckets: GiftBucket, version: int = 1) -> GiftWindow:
    event = GiftsSent(transfer_id="t0", window=buckets, occurred_at=NOW)
    return GiftWindow(
        StoredEvent(
            stream_id="gifts:a", version=version, global_position=1, event=event, recorded_at=NOW
        )
    )


def when_gift(
    amount: int,
    asset: str = CURRENCY,
    *,
    sender: PlayerState | None = None,
    receiver: PlayerState | None = None,
    window: GiftWindow | None = None,
    now: datetime = NOW,
) -> Decision:
    return decide_gift(
        sender or given("a"),
        receiver or given("b", 7, version=5),
        window or GiftWindow(None),
        Gift(sender_id="a", to="bob", asset=asset, amount=amount, memo="gg"),
        names=("alice", "bob"),
        transfer_id="t1",
        catalog=DEFAULT_CATALOG,
        rules=RULES,
        now=now,
    )


def test_a_gift_is_one_transfer_on_both_streams_at_the_versions_read() -> None:
    sender, receiver, window = when_gift(120).appends
    assert (sender.stream, sender.expected) == ("player:a", 2)
    assert (receiver.stream, receiver.expected) == ("player:b", 5)
    assert (window.stream, window.expected) == ("gifts:a", 0)
    mine, theirs = sender.events[0], receiver.events[0]
    assert isinstance(mine, Transferred)
    assert isinstance(theirs, Transferred)
    assert mine.legs == theirs.legs
    assert imbalances(mine.legs) == {}
    assert (mine.mirror, theirs.mirror) == (False, True)  # legs posted once
    assert mine.state_after == {CURRENCY: 380}
    assert theirs.state_after == {CURRENCY: 127}
    assert (mine.details.counterparty, theirs.details.counterparty) == ("bob", "alice")
    assert mine.code == theirs.code == "gift"
    assert theirs.details.memo == "gg"


def test_items_can_be_gifted() -> None:
    sender, receiver, _ = when_gift(2, "gold_coin", sender=given("a", gold_coin=3)).appends
    assert sender.events[0].state_after == {CURRENCY: 500, "gold_coin": 1}  # type: ignore[attr-defined]
    assert receiver.events[0].state_after == {CURRENCY: 7, "gold_coin": 2}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"receiver": given("a")}, SelfTransfer),
        ({"amount": 501}, InsufficientFunds),
        ({"asset": "gold_coin"}, InsufficientFunds),
        ({"asset": "ruby"}, UnknownAsset),
        ({"amount": 1_001, "sender": given("a", 5_000)}, GiftLimitExceeded),
    ],
)
def test_refusals(kwargs: dict[str, object], error: type[Exception]) -> None:
    args = {"amount": 10, **kwargs}
    with pytest.raises(error):
        when_gift(**args)  # type: ignore[arg-type]


def test_the_limit_counts_the_last_24_hours_per_asset() -> None:
    minute = minute_of(NOW)
    window = given_window(
        GiftBucket(CURRENCY, minute - 60, 900),
        GiftBucket("gold_coin", minute, 1_000),
        GiftBucket(CURRENCY, minute - 24 * 60 - 1, 1_000),  # left the window
    )
    assert window.sent(CURRENCY, NOW) == 900
    with pytest.raises(GiftLimitExceeded) as refused:
        when_gift(101, window=window)
    assert refused.value.context["remaining"] == 100
    *_, written = when_gift(100, window=window).appends
    assert written.expected == 1
    assert written.events[0].window == (  # type: ignore[attr-defined]
        GiftBucket(CURRENCY, minute - 60, 900),
        GiftBucket("gold_coin", minute, 1_000),
        GiftBucket(CURRENCY, minute, 100),
    )
    later = NOW + timedelta(hours=23, minutes=2)
    assert when_gift(1_000, window=window, now=later, sender=given("a", 5_000))  # 900 left


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def economy() -> tuple[LedgerService, FakeEventStore, Clock]:
    clock = Clock()
    ledger, store = fake_ledger(RULES, clock=clock)
    assert await ledger.seed_genesis()
    return ledger, store, clock


async def player(ledger: LedgerService, name: str, diamonds: int) -> str:
    signed = await ledger.handle(SignUp(username=name), caller=Sender(password_hash="hash"))
    if diamonds:
        await ledger.handle(TopUp(player_id=signed.player_id, amount=diamonds))
    return signed.player_id


async def test_the_command_answers_the_senders_wallet_and_the_ledger_balances() -> None:
    ledger, store, _ = await economy()
    alice, bob = await player(ledger, "alice", 300), await player(ledger, "Bob", 0)
    result = await ledger.handle(Gift(sender_id=alice, to="bob", asset=CURRENCY, amount=120))
    assert (result.version, result.balances) == (3, {CURRENCY: 180})
    head = store.head(accounts.player_account(bob))
    assert head is not None
    assert isinstance(head.event, Transferred)
    assert head.event.state_after == {CURRENCY: 120}
    assert head.event.details.counterparty == "alice"
    assert violations(store.transfers(), RULES.genesis_supply) == []


async def test_an_unknown_recipient_is_refused() -> None:
    ledger, _, _ = await economy()
    alice = await player(ledger, "alice", 300)
    with pytest.raises(UnknownPlayer):
        await ledger.handle(Gift(sender_id=alice, to="nobody", asset=CURRENCY, amount=1))


async def test_a_retried_key_gifts_once() -> None:
    ledger, store, _ = await economy()
    alice, _ = await player(ledger, "alice", 300), await player(ledger, "bob", 0)
    cmd = Gift(sender_id=alice, to="bob", asset=CURRENCY, amount=50)
    first = await ledger.handle(cmd, "k1")
    assert await ledger.handle(cmd, "k1") == first
    assert store.version(accounts.player_account(alice)) == 3


async def test_the_window_rolls_with_the_clock() -> None:
    ledger, _, clock = await economy()
    alice, _ = await player(ledger, "alice", 5_000), await player(ledger, "bob", 0)
    gift = Gift(sender_id=alice, to="bob", asset=CURRENCY, amount=600)
    await ledger.handle(gift)
    with pytest.raises(GiftLimitExceeded):
        await ledger.handle(gift)
    clock.now += timedelta(hours=24, minutes=1)
    await ledger.handle(gift)


async def test_concurrent_gifts_never_pass_the_limit_or_the_balance() -> None:
    ledger, store, _ = await economy()
    alice = await player(ledger, "alice", 5_000)
    names = [f"friend{n}" for n in range(8)]
    for name in names:
        await player(ledger, name, 0)
    outcomes = await asyncio.gather(
        *(
            ledger.handle(Gift(sender_id=alice, to=name, asset=CURRENCY, amount=300))
            for name in names
        ),
        return_exceptions=True,
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(outcomes) - len(errors) == 3  # 900 of the 1,000 a day
    assert all(isinstance(e, GiftLimitExceeded) for e in errors)
    assert violations(store.transfers(), RULES.genesis_supply) == []
