"""Holds belong to the account that placed them: to another game server a hold does not exist
(the very answer of a hold never placed), an admin closes any hold with a reason, a hold whose
placer is unknown (placed before it was recorded) is only an admin's to close, and the expirer
expires every hold."""

import hashlib
from datetime import timedelta

import msgspec
import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import CloseHold, EconomyRules, Payout, PlaceHold, Settle, SignUp, TopUp
from domain.errors import DomainError
from domain.escrow_errors import ReasonRequired, UnknownHold
from domain.escrow_events import HoldPlaced
from domain.events import Transferred
from domain.holds import Actor, HoldState, decide_close_hold, hold_state, visible
from domain.ledger import Decision, PlayerState
from domain.settlements import decide_settle
from service.idempotency import fingerprint
from service.job import Sender
from service.ledger import LedgerService
from tests.fakes import NOW, FakeEventStore, fake_ledger

A = Actor(account="server-a", role="service")
B = Actor(account="server-b", role="service")
ADMIN = Actor(account="ops", role="admin")
EXPIRER = Actor(account="expirer", role="system")
PLAYER = PlayerState(player_id="p1", version=4, balances={CURRENCY: 400})
RULES = EconomyRules(genesis_supply=100_000, shard_count=2, hold_max_seconds=3_600)


def placed_by(placer: str | None, status: str = "pending") -> HoldState:
    terms = HoldPlaced(
        hold_id="h1",
        transfer_id="t1",
        player_id="p1",
        username="alice",
        asset=CURRENCY,
        amount=100,
        expires_at=NOW + timedelta(seconds=60),
        occurred_at=NOW,
        placed_by=placer,
    )
    return HoldState(placed=terms, version=1, status=status)  # type: ignore[arg-type]


def closed(
    hold: HoldState, by: Actor, outcome: str = "void", reason: str | None = None, later: int = 0
) -> Decision:
    cmd = CloseHold(hold_id="h1", outcome=outcome, reason=reason)  # type: ignore[arg-type]
    at = NOW + timedelta(seconds=later)
    return decide_close_hold(hold, PLAYER, cmd, by=by, transfer_id="t2", now=at)


def settled(hold: HoldState, by: Actor, reason: str | None = None) -> Decision:
    cmd = Settle(holds=("h1",), payouts=(Payout(to="alice", amount=100),), reason=reason)
    return decide_settle(
        [hold], {"alice": PLAYER}, cmd, by=by, settlement_id="s1", transfer_id="t2", now=NOW
    )


def problem(error: DomainError) -> tuple[str, str, dict[str, object]]:
    return error.slug, error.detail, error.context


def never_placed() -> UnknownHold:
    with pytest.raises(UnknownHold) as missing:
        hold_state("h1", None, None)
    return missing.value


@pytest.mark.parametrize("status", ["pending", "captured"])
def test_another_game_server_is_told_the_hold_does_not_exist(status: str) -> None:
    hold = placed_by("server-a", status)
    for attempt in (
        lambda: visible(hold, B),
        lambda: closed(hold, B),
        lambda: closed(hold, B, "capture"),
        lambda: settled(hold, B),
    ):
        with pytest.raises(UnknownHold) as refused:
            attempt()
        # not hold-not-pending for a closed one: the same answer as a hold never placed
        assert problem(refused.value) == problem(never_placed())


def test_the_placer_reads_captures_voids_and_settles_its_own_hold() -> None:
    hold = placed_by("server-a")
    assert visible(hold, A) == hold
    for decision in (closed(hold, A), closed(hold, A, "capture"), settled(hold, A)):
        assert decision.appends[0].stream == accounts.hold_account("h1")


def test_an_admin_closes_any_hold_with_a_reason_recorded_on_the_event() -> None:
    hold = placed_by("server-a")
    assert visible(hold, ADMIN) == hold
    for outcome in ("void", "capture"):
        with pytest.raises(ReasonRequired):
            closed(hold, ADMIN, outcome)
        [event] = closed(hold, ADMIN, outcome, reason="stuck match").appends[0].events
        assert isinstance(event, Transferred)
        assert event.details.reason == "stuck match"
    with pytest.raises(ReasonRequired):
        settled(hold, ADMIN)
    [event] = settled(hold, ADMIN, reason="match 7 replayed").appends[0].events
    assert isinstance(event, Transferred)
    assert event.details.reason == "match 7 replayed"


def test_an_admin_needs_no_reason_to_close_its_own_hold() -> None:
    assert closed(placed_by("ops"), ADMIN).appends


def test_a_hold_whose_placer_is_unknown_is_only_an_admins_to_close() -> None:
    old = placed_by(None)
    for server in (A, B):
        with pytest.raises(UnknownHold):
            closed(old, server)
        with pytest.raises(UnknownHold):
            settled(old, server)
    with pytest.raises(ReasonRequired):
        closed(old, ADMIN)
    assert closed(old, ADMIN, reason="placed before placers were recorded").appends


@pytest.mark.parametrize("placer", ["server-a", None])
def test_the_expirer_expires_every_hold(placer: str | None) -> None:
    [hold, _] = closed(placed_by(placer), EXPIRER, "expire", later=60).appends
    assert hold.events[0].code == "hold_expiry"  # type: ignore[attr-defined]


def test_a_close_without_a_reason_fingerprints_as_before_the_field() -> None:
    # Keys stored before `reason` existed must still replay (service/idempotency.py).
    before = {"kind": "CloseHold", "amount": None, "hold_id": "h1", "outcome": "void"}
    body = msgspec.json.encode(before, order="sorted")
    assert fingerprint(CloseHold(hold_id="h1", outcome="void")) == hashlib.sha256(body).hexdigest()
    assert fingerprint(CloseHold(hold_id="h1", outcome="void", reason="r")) != fingerprint(
        CloseHold(hold_id="h1", outcome="void")
    )


async def economy() -> tuple[LedgerService, FakeEventStore, str]:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    alice = (
        await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="hash"))
    ).player_id
    await ledger.handle(TopUp(player_id=alice, amount=500))
    stake = PlaceHold(player="alice", asset=CURRENCY, amount=100, expires_in=60)
    hold = await ledger.handle(stake, caller=Sender("server-a"))
    return ledger, store, hold.hold_id


async def test_through_the_pipeline_another_server_writes_nothing() -> None:
    ledger, store, hold_id = await economy()
    stream = accounts.hold_account(hold_id)
    placed = store.head(stream)
    assert placed is not None
    assert isinstance(placed.event, HoldPlaced)
    assert placed.event.placed_by == "server-a"
    log = len(store.log)
    with pytest.raises(UnknownHold):
        await ledger.handle(
            CloseHold(hold_id=hold_id, outcome="capture"), caller=Sender("server-b")
        )
    with pytest.raises(UnknownHold):
        await ledger.handle(Settle(holds=(hold_id,), payouts=()), caller=Sender("server-b"))
    assert len(store.log) == log
    done = await ledger.handle(
        CloseHold(hold_id=hold_id, outcome="void"), caller=Sender("server-a")
    )
    assert done.status == "voided"


async def test_a_settlement_naming_anothers_hold_and_a_missing_one_says_which_comes_first() -> None:
    ledger, _, hold_id = await economy()
    for listed in ((hold_id, "nope"), ("nope", hold_id)):
        with pytest.raises(UnknownHold) as refused:
            await ledger.handle(Settle(holds=listed, payouts=()), caller=Sender("server-b"))
        assert refused.value.context == {"holdId": listed[0]}  # no hint of which one exists


async def test_an_admin_settles_anothers_hold_with_a_reason() -> None:
    ledger, store, hold_id = await economy()
    cmd = Settle(holds=(hold_id,), payouts=(Payout(to="alice", amount=100),))
    with pytest.raises(ReasonRequired):
        await ledger.handle(cmd, caller=Sender("ops", "admin"))
    fixed = msgspec.structs.replace(cmd, reason="server-a is gone")
    assert (await ledger.handle(fixed, caller=Sender("ops", "admin"))).paid == 100
    head = store.head(accounts.hold_account(hold_id))
    assert head is not None
    assert head.event.details.reason == "server-a is gone"  # type: ignore[attr-defined]
