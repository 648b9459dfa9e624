"""Stored events: every type round-trips, rows written today decode tomorrow, upcasters apply."""

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from domain.assets import MAX_AMOUNT
from domain.details import GiftDetails, PurchaseDetails, ReversalDetails
from domain.escrow_events import HoldPlaced, TradeOffered
from domain.event_base import Event
from domain.events import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    Claimed,
    DebtChanged,
    GiftBucket,
    GiftsSent,
    Leg,
    PlayerRegistered,
    TrancheChanged,
    Transferred,
    event_type_of,
)
from domain.freeze_events import FreezeLifted, FreezePlaced
from domain.monitor_events import MonitorDefined, MonitorFired, MonitorRule
from infra import codec
from tests.fakes import NOW

EVENTS: list[Event] = [
    PlayerRegistered(
        player_id="p1", username="Alice", referral_code="ABC", referred_by="p0", occurred_at=NOW
    ),
    Claimed(owner="p1", occurred_at=NOW),
    Transferred(
        transfer_id="t1",
        code="purchase",
        legs=(
            Leg("player:p1", "diamond", -MAX_AMOUNT),
            Leg("treasury:inflow", "diamond", MAX_AMOUNT),
        ),
        state_after={"diamond": 0, "gold_coin": MAX_AMOUNT},
        occurred_at=NOW,
        details=PurchaseDetails(item="gold_coin", quantity=3),
    ),
    Transferred(
        transfer_id="r1",
        code="reversal",
        legs=(),
        state_after={},
        occurred_at=NOW,
        details=ReversalDetails(reverses="t1", reason="refund"),
    ),
    TrancheChanged(transfer_id="t1", delta=-5, budget_after=0, occurred_at=NOW),
    Transferred(
        transfer_id="g1",
        code="gift",
        legs=(Leg("player:p1", "diamond", -5), Leg("player:p2", "diamond", 5)),
        state_after={"diamond": 5},
        occurred_at=NOW,
        mirror=True,
        details=GiftDetails(counterparty="Alice", memo="gg"),
    ),
    GiftsSent(transfer_id="g1", window=(GiftBucket("diamond", 29_000_000, 5),), occurred_at=NOW),
    HoldPlaced(
        hold_id="h1",
        transfer_id="t2",
        player_id="p1",
        username="Alice",
        asset="diamond",
        amount=100,
        expires_at=NOW,
        occurred_at=NOW,
        placed_by="s1",
    ),
    TradeOffered(
        trade_id="d1",
        transfer_id="t3",
        offerer_id="p1",
        offerer="Alice",
        recipient_id="p2",
        recipient="Bob",
        give={"gold_coin": 2},
        want={"diamond": 30},
        expires_at=NOW,
        occurred_at=NOW,
    ),
    DebtChanged(transfer_id="rf1", debt_after={"diamond": 70}, occurred_at=NOW),
    FreezePlaced(
        freeze_id="f1",
        scope="player",
        target="alice",
        reason="exploit",
        created_by="op",
        occurred_at=NOW,
        player_id="p1",
    ),
    FreezeLifted(freeze_id="f1", reason="fixed", lifted_by="op", occurred_at=NOW),
    MonitorDefined(
        monitor_id="m1",
        name="farm",
        action="freeze",
        created_by="op",
        occurred_at=NOW,
        rule=MonitorRule(kind="player_inflow", window_seconds=60, threshold=100, asset="diamond"),
    ),
    MonitorFired(
        monitor_id="m1",
        name="farm",
        action="freeze",
        value=120,
        position=9,
        occurred_at=NOW,
        rule=MonitorRule(kind="player_inflow", window_seconds=60, threshold=100, asset="diamond"),
        player_id="p1",
        username="alice",
        freeze_id="f2",
    ),
]


def stored_row(event: Event) -> tuple[str, int, str]:
    return event_type_of(event), SCHEMA_VERSION, codec.encode(event)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_round_trips_through_its_stored_row(event: Event) -> None:
    assert codec.decode(*stored_row(event)) == event


def test_stored_tags_are_explicit_strings_not_class_names() -> None:
    assert [event_type_of(e) for e in EVENTS] == [
        "player_registered",
        "claimed",
        "transferred",
        "transferred",
        "tranche_changed",
        "transferred",
        "gifts_sent",
        "hold_placed",
        "trade_offered",
        "debt_changed",
        "freeze.placed",
        "freeze.lifted",
        "monitor.defined",
        "monitor.fired",
    ]
    assert set(EVENT_TYPES) == {
        "player_registered",
        "claimed",
        "transferred",
        "tranche_changed",
        "gifts_sent",
        "hold_placed",
        "catalog_applied",  # issue 15: the live catalog's versions
        "trade_offered",
        "debt_changed",  # issue 17: refunded store currency already spent
        # issue 24: freezes and monitors, tagged as the feed's and the webhooks' keys
        "freeze.placed",
        "freeze.lifted",
        "monitor.defined",
        "monitor.fired",
        # issue 24: a clawback's list, its steps and its end
        "clawback_started",
        "clawback_stepped",
        "clawback_finished",
    }


def test_a_row_as_stored_by_schema_version_1_still_decodes() -> None:
    # jsonb hands keys back in its own order and spacing; amounts must stay exact integers.
    payload = (
        '{"legs": [["player:p1", "diamond", -9223372036854775807]], "code": "top_up", '
        '"type": "transferred", "state_after": {"diamond": 9223372036854775807}, '
        '"occurred_at": "2026-01-02T03:04:05Z", "transfer_id": "t1"}'
    )
    event = codec.decode("transferred", 1, payload)
    assert event == Transferred(
        transfer_id="t1",
        code="top_up",
        legs=(Leg("player:p1", "diamond", -MAX_AMOUNT),),
        state_after={"diamond": MAX_AMOUNT},
        occurred_at=NOW,
    )


def test_a_hold_stored_before_its_placer_was_recorded_decodes_with_the_placer_unknown() -> None:
    payload = (
        '{"type": "hold_placed", "hold_id": "h1", "transfer_id": "t2", "player_id": "p1", '
        '"username": "Alice", "asset": "diamond", "amount": 100, "memo": null, '
        '"expires_at": "2026-01-02T03:04:05Z", "occurred_at": "2026-01-02T03:04:05Z"}'
    )
    event = codec.decode("hold_placed", 1, payload)
    assert isinstance(event, HoldPlaced)
    assert (event.hold_id, event.amount, event.placed_by) == ("h1", 100, None)
    assert msgspec.json.decode(codec.encode(EVENTS[7]))["placed_by"] == "s1"  # snake_case


def test_a_leg_is_stored_as_a_compact_triple() -> None:
    data = msgspec.json.decode(codec.encode(EVENTS[2]))
    assert data["legs"][0] == ["player:p1", "diamond", -MAX_AMOUNT]


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        codec.decode("player_deleted", 1, '{"type": "player_deleted"}')


def test_an_old_schema_version_goes_through_its_upcasters(monkeypatch: pytest.MonkeyPatch) -> None:
    def rename_holder(data: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in data.items() if k != "holder"}, "owner": data["holder"]}

    monkeypatch.setattr(codec, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(codec.UPCASTERS, ("claimed", 1), rename_holder)
    old = '{"type": "claimed", "holder": "p9", "occurred_at": "2026-01-02T03:04:05Z"}'
    assert codec.decode("claimed", 1, old) == Claimed(owner="p9", occurred_at=NOW)
    current = codec.encode(Claimed(owner="p9", occurred_at=NOW))
    assert codec.decode("claimed", 2, current) == Claimed(owner="p9", occurred_at=NOW)


@pytest.mark.parametrize("amount", [Decimal(70), 70.0, "70"])
def test_an_event_that_could_not_be_read_back_is_refused_before_it_is_stored(
    amount: object,
) -> None:
    # A SQL sum() of bigint arrives as a Decimal; stored as "70" it would brick the stream.
    event = TrancheChanged(transfer_id="t", delta=amount, budget_after=1, occurred_at=NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unreadable TrancheChanged"):
        codec.encode(event)
