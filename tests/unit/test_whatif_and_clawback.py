"""The pure parts of issue 24: a clawback's legs with debt, a what-if's re-weighted rolls."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.assets import Drop, OnUse
from domain.clawback import check_filter, matches, take_back
from domain.clawback_dry_run import effects
from domain.clawback_errors import InvalidClawbackFilter
from domain.clawback_events import ClawbackFilter
from domain.details import PurchaseDetails
from domain.events import Leg, Transferred
from domain.whatif import option_of, reweigh
from infra.catalog import load_catalog

ME = "player:p1"
EXAMPLE = load_catalog(str(Path(__file__).parents[2] / "catalog.json"))


def test_take_back_cuts_what_the_player_no_longer_holds_into_debt() -> None:
    # a grant of 100 reversed from a player holding 30: 30 back to inflow, 70 owed
    legs = (Leg(ME, "diamond", -100), Leg("treasury:inflow", "diamond", 100))
    taken, short = take_back({"diamond": 30}, legs, ME)
    assert taken == (Leg(ME, "diamond", -30), Leg("treasury:inflow", "diamond", 30))
    assert short == {"diamond": 70}


def test_take_back_leaves_what_the_player_gets_back_alone() -> None:
    # a purchase reversed after the coin was used: the price comes back, the coin is owed
    legs = (
        Leg(ME, "diamond", 10),
        Leg("treasury:shard:0", "diamond", -10),
        Leg(ME, "gold_coin", -1),
        Leg("issuer:gold_coin", "gold_coin", 1),
    )
    taken, short = take_back({"diamond": 0, "gold_coin": 0}, legs, ME)
    assert taken == legs[:2]
    assert short == {"gold_coin": 1}


def test_a_recorded_roll_lands_on_the_same_place_of_the_new_table() -> None:
    before = OnUse(drops=(Drop(weight=70, grants={"a": 1}), Drop(weight=30, grants={"b": 1})))
    after = OnUse(drops=(Drop(weight=50, grants={"a": 1}), Drop(weight=50, grants={"b": 1})))
    assert [reweigh(r, before, before) for r in (0, 69, 70, 99)] == [0, 0, 1, 1]
    assert [reweigh(r, before, after) for r in (0, 49, 50, 60, 99)] == [0, 0, 1, 1, 1]


def test_the_price_option_a_purchase_chose_is_found_by_what_it_paid() -> None:
    box = EXAMPLE.find("treasure_box")
    paid = PurchaseDetails(item="treasure_box", quantity=2, paid={"diamond": 40, "star": 300})
    assert option_of(box, paid) == 2
    assert option_of(box, PurchaseDetails(item="treasure_box", quantity=1, paid={"star": 400})) == 1


def grant(at: datetime, metadata: dict[str, str], *, mirror: bool = False) -> Transferred:
    legs = (Leg("treasury:shard:0", "diamond", -50), Leg(ME, "diamond", 50))
    return Transferred(
        transfer_id="t1", code="grant", legs=legs, state_after={"diamond": 50},
        occurred_at=at, metadata=metadata, mirror=mirror,
    )  # fmt: skip


def test_a_filter_takes_a_transfer_only_when_every_field_matches() -> None:
    noon = datetime(2026, 5, 1, 12, tzinfo=UTC)
    spring = grant(noon, {"campaign": "spring", "server": "eu"})
    assert matches(ClawbackFilter(code="grant", metadata={"campaign": "spring"}), spring)
    assert not matches(ClawbackFilter(code="top_up"), spring)
    assert not matches(ClawbackFilter(metadata={"campaign": "summer"}), spring)
    assert not matches(ClawbackFilter(asset="star"), spring)
    assert matches(ClawbackFilter(from_=noon, to=noon + timedelta(seconds=1)), spring)
    assert not matches(ClawbackFilter(to=noon), spring)  # `to` is exclusive
    assert not matches(ClawbackFilter(code="grant"), grant(noon, {}, mirror=True))


def test_the_dry_run_of_a_purchase_gives_the_price_back_and_owes_the_used_coin() -> None:
    bought = Transferred(
        transfer_id="t2", code="purchase", occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
        legs=(Leg(ME, "diamond", -10), Leg("treasury:inflow", "diamond", 10),
              Leg("issuer:gold_coin", "gold_coin", -1), Leg(ME, "gold_coin", 1)),
        state_after={"diamond": 0, "gold_coin": 1},
    )  # fmt: skip
    seen = effects({"p1": {"diamond": 0, "gold_coin": 0}}, [("p1", bought)], {"p1": "ann"})
    assert {(e.asset, e.reverse, e.debt) for e in seen} == {
        ("diamond", -10, 0),
        ("gold_coin", 1, 1),
    }


def test_a_filter_that_names_nothing_is_refused() -> None:
    with pytest.raises(InvalidClawbackFilter):
        check_filter(ClawbackFilter(), EXAMPLE)
    noon = datetime(2026, 5, 1, 12, tzinfo=UTC)
    with pytest.raises(InvalidClawbackFilter):
        check_filter(ClawbackFilter(from_=noon, to=noon), EXAMPLE)
    check_filter(ClawbackFilter(asset="gem"), EXAMPLE)
