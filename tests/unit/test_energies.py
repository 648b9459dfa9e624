"""Energies (issue 23): lazy refill as a pure function of the meter and the time, spends,
grants up to overfillMax, timed modifiers, prices and onUse grants in energy."""

from datetime import timedelta

import msgspec
import pytest

from domain import accounts
from domain.assets import Catalog, CatalogItem, Energy, OnUse
from domain.catalog import change_problems, problems
from domain.commands import (
    EconomyRules,
    EnergyModifier,
    Grant,
    Purchase,
    Reverse,
    SpendEnergy,
    UseItem,
)
from domain.details import V1_FIELDS, EnergyDetails
from domain.energies import EnergyMeter, Modifier, level, levels, refilled, untouched
from domain.energy_use import decide_grant, decide_spend
from domain.events import Leg, Transferred
from domain.ledger import Decision, PlayerState, ShardState, imbalances
from domain.players import decide_reversal
from domain.shop import decide_purchase, decide_use
from domain.shop_errors import InsufficientEnergy, UnknownEnergy
from domain.timed import TimedState
from domain.transfer_errors import NotReversible
from infra.codec import as_v1, upcast
from tests.catalogs import example_catalog
from tests.fakes import NOW

STAMINA = Energy(
    code="stamina",
    name="Stamina",
    max=100,
    start=100,
    refill=1,
    refill_seconds=300,
    overfill_max=200,
)
CATALOG = Catalog(
    currencies=example_catalog().currencies,
    items=(
        CatalogItem(code="match_entry", name="Match Entry", prices=({"stamina": 10},)),
        CatalogItem(
            code="energy_drink", name="Energy Drink", price=5, on_use=OnUse(grants={"stamina": 50})
        ),
    ),
    energies=(STAMINA,),
)
RULES = EconomyRules(max_quantity=1000)
ME = accounts.player_account("p1")
ISSUER = accounts.issuer_account("stamina")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def given_player(current: int | None = None, anchor_ago: float = 0, **balances: int) -> PlayerState:
    """A player whose stamina meter stood at `current`, anchored `anchor_ago` minutes ago."""
    if current is None:
        return PlayerState(player_id="p1", version=1, balances=balances)
    meter = EnergyMeter(current=current, anchor=NOW - minutes(anchor_ago))
    return PlayerState(
        player_id="p1",
        version=4,
        balances={"stamina": current, **balances},
        timed=TimedState(energies={"stamina": meter}),
    )


def spending(player: PlayerState, amount: int, later: float = 0) -> Decision:
    cmd = SpendEnergy(player_id="p1", energy="stamina", amount=amount)
    now = NOW + minutes(later)
    return decide_spend(player, cmd, catalog=CATALOG, transfer_id="t1", rules=RULES, now=now)


def granting(player: PlayerState, amount: int, modifier: EnergyModifier | None = None) -> Decision:
    cmd = Grant(player="alice", amount=amount, reason=None, energy="stamina", modifier=modifier)
    return decide_grant(player, cmd, catalog=CATALOG, transfer_id="t1", rules=RULES, now=NOW)


def the_transfer(decision: Decision) -> Transferred:
    [append] = decision.appends
    event = append.events[-1]
    assert isinstance(event, Transferred)
    return event


def meter_of(event: Transferred) -> EnergyMeter:
    assert event.timed is not None
    return event.timed.energies["stamina"]


# --- refill, a pure function of the meter and the time -----------------------------------------


def test_refill_adds_one_per_interval_and_keeps_the_progress_towards_the_next():
    meter = EnergyMeter(current=50, anchor=NOW)
    after = refilled(meter, STAMINA, NOW + minutes(17))  # three refills, 2 minutes towards a 4th
    assert after.current == 53
    assert after.anchor == NOW + minutes(15)


def test_refill_never_goes_past_max_and_does_not_run_at_or_above_it():
    assert refilled(EnergyMeter(current=99, anchor=NOW), STAMINA, NOW + minutes(600)).current == 100
    overfull = EnergyMeter(current=150, anchor=NOW)
    assert refilled(overfull, STAMINA, NOW + minutes(600)).current == 150


def test_the_level_says_when_the_next_refill_comes_and_when_it_is_full():
    shown = level("stamina", EnergyMeter(current=97, anchor=NOW), STAMINA, NOW + minutes(1))
    assert shown.current == 97
    assert shown.next_refill_at == NOW + minutes(5)
    assert shown.full_at == NOW + minutes(15)
    full = level("stamina", untouched(STAMINA, NOW), STAMINA, NOW)
    assert (full.current, full.next_refill_at, full.full_at) == (100, None, None)


def test_refill_faster_divides_the_interval_while_it_lasts():
    fast = Modifier(kind="refillFaster", starts_at=NOW, ends_at=NOW + minutes(10), factor=2)
    meter = EnergyMeter(current=0, anchor=NOW, modifiers=(fast,))
    # 10 minutes at twice the speed (4 refills), then 10 at the usual one (2 more)
    assert refilled(meter, STAMINA, NOW + minutes(20)).current == 6
    shown = level("stamina", meter, STAMINA, NOW)
    assert shown.next_refill_at == NOW + timedelta(seconds=150)


# --- spending ---------------------------------------------------------------------------------


def test_a_first_spend_issues_start_then_spends_from_it():
    event = the_transfer(spending(given_player(), 30))
    assert event.code == "energy_spend"
    assert event.legs == (
        Leg(ISSUER, "stamina", -100),
        Leg(ME, "stamina", 100),
        Leg(ME, "stamina", -30),
        Leg(ISSUER, "stamina", 30),
    )
    assert event.state_after["stamina"] == 70 == meter_of(event).current
    assert meter_of(event).anchor == NOW  # the refill clock starts below max
    assert not imbalances(event.legs)


def test_a_spend_writes_the_refill_since_the_last_touch_from_the_issuer():
    event = the_transfer(spending(given_player(current=40, anchor_ago=25), 10))
    assert event.legs[:2] == (Leg(ISSUER, "stamina", -5), Leg(ME, "stamina", 5))
    assert event.state_after["stamina"] == 35 == meter_of(event).current
    assert isinstance(event.details, EnergyDetails)
    assert (event.details.refilled, event.details.amount) == (5, 10)


def test_a_spend_beyond_the_value_is_refused_with_current_and_next_refill():
    with pytest.raises(InsufficientEnergy) as refused:
        spending(given_player(current=3, anchor_ago=2), 5)
    assert refused.value.context["current"] == 3
    assert refused.value.context["nextRefillAt"] == "2026-01-02T03:07:05Z"


def test_an_unknown_energy_is_refused_naming_the_catalogs():
    cmd = SpendEnergy(player_id="p1", energy="mana", amount=1)
    with pytest.raises(UnknownEnergy) as refused:
        decide_spend(given_player(), cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=NOW)
    assert refused.value.context["available"] == ["stamina"]


# --- grants, overfill and modifiers -------------------------------------------------------------


def test_a_grant_goes_above_max_up_to_overfill_max_and_no_further():
    event = the_transfer(granting(given_player(current=150), 80))
    assert event.state_after["stamina"] == 200
    assert isinstance(event.details, EnergyDetails)
    assert (event.details.amount, event.details.credited) == (80, 50)


def test_unlimited_lets_spends_through_without_lowering_the_value_until_it_ends():
    modifier = EnergyModifier(kind="unlimited", seconds=600)
    granted = the_transfer(granting(given_player(current=10), 1, modifier))
    player = PlayerState(
        player_id="p1", version=5, balances=dict(granted.state_after), timed=granted.timed
    )
    free = the_transfer(spending(player, 11, later=5))
    assert free.state_after["stamina"] == 12  # 11 and the refill of the 5 minutes
    assert isinstance(free.details, EnergyDetails)
    assert free.details.unlimited
    with pytest.raises(InsufficientEnergy):
        spending(player, 50, later=11)


def test_modifiers_are_recorded_on_the_event_and_shown_while_active():
    event = the_transfer(
        granting(
            given_player(current=10), 1, EnergyModifier(kind="refillFaster", factor=3, seconds=3600)
        )
    )
    assert isinstance(event.details, EnergyDetails)
    assert event.details.modifier is not None
    assert event.details.modifier.ends_at == NOW + minutes(60)
    meter = meter_of(event)
    assert len(level("stamina", meter, STAMINA, NOW + minutes(59)).modifiers) == 1
    assert level("stamina", meter, STAMINA, NOW + minutes(61)).modifiers == ()


# --- the shop in energy -------------------------------------------------------------------------


def test_an_item_priced_in_energy_spends_it_back_to_the_issuer():
    cmd = Purchase(player_id="p1", item="match_entry")
    decision = decide_purchase(
        given_player(current=12), cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=NOW
    )
    event = the_transfer(decision)
    assert event.state_after == {"stamina": 2, "match_entry": 1}
    assert meter_of(event).current == 2
    with pytest.raises(InsufficientEnergy):
        decide_purchase(
            given_player(current=9), cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=NOW
        )


def test_using_an_item_grants_energy_above_max():
    cmd = UseItem(player_id="p1", item="energy_drink")
    player = given_player(current=100, energy_drink=1)
    event = the_transfer(
        decide_use(player, cmd, catalog=CATALOG, rolls=(), transfer_id="t", rules=RULES, now=NOW)
    )
    assert event.state_after["stamina"] == 150 == meter_of(event).current


def test_a_transfer_without_energy_carries_the_meter_forward():
    player = given_player(current=40, anchor_ago=25, diamond=100)
    cmd = Purchase(player_id="p1", item="energy_drink")
    event = the_transfer(
        decide_purchase(player, cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=NOW)
    )
    assert event.timed == player.timed


# --- the catalog --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"overfill_max": 50}, "overfillMax 50 is below max 100"),
        ({"start": 500}, "start 500 is above 200"),
        ({"code": "match_entry"}, "code 'match_entry' is used 2 times"),
        ({"code": "diamond"}, "code 'diamond' is used 2 times"),
    ],
)
def test_the_catalog_refuses_ill_formed_energies(change: dict[str, object], reason: str):
    energy = msgspec.structs.replace(STAMINA, **change)
    found = problems(msgspec.structs.replace(CATALOG, energies=(energy,)))
    assert any(reason in problem for problem in found), found


def test_energies_decode_from_the_catalog_json_with_their_camel_case_names():
    catalog = example_catalog()
    assert catalog.energy("stamina") == STAMINA
    assert catalog.find("match_entry") is not None


@pytest.mark.parametrize("field", ["max", "refill", "refillSeconds", "overfillMax"])
def test_an_energys_numbers_are_positive_integers(field: str):
    raw = {"code": "s", "name": "S", "max": 5, "start": 0, "refill": 1, "refillSeconds": 60}
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({**raw, field: 0}, type=Energy)


def test_a_purchase_paid_in_energy_is_not_reversible():
    cmd = Purchase(player_id="p1", item="match_entry")
    player = given_player(current=12)
    paid = the_transfer(
        decide_purchase(player, cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=NOW)
    )
    shard = ShardState(index=0, version=1, budget=1000)
    with pytest.raises(NotReversible):
        decide_reversal(
            player,
            paid,
            shard,
            Reverse(player_id="p1", transfer_id="t", reason="r", actor="a"),
            transfer_id="t2",
            now=NOW,
        )


def test_the_feed_webhooks_and_replay_show_refills_and_modifiers_and_read_them_back():
    modifier = EnergyModifier(kind="unlimited", seconds=60)
    granted = the_transfer(granting(given_player(current=40, anchor_ago=25), 5, modifier))
    shown = as_v1(granted)
    assert shown["code"] == "energy_grant"
    assert (shown["energy"], shown["refilled"], shown["credited"]) == ("stamina", 5, 5)
    assert shown["modifier"]["kind"] == "unlimited"
    assert shown["timed"]["energies"]["stamina"]["current"] == 50
    assert upcast("transferred", 1, msgspec.json.decode(msgspec.json.encode(shown))) == granted


def test_a_transfer_without_energy_keeps_its_version_1_shape():
    plain = Transferred(transfer_id="t", code="top_up", legs=(), state_after={}, occurred_at=NOW)
    assert set(as_v1(plain)) == {"type", *V1_FIELDS}


def test_a_running_catalog_keeps_an_energy_an_energy():
    item = CatalogItem(code="stamina", name="Stamina", price=5)
    changed = msgspec.structs.replace(CATALOG, energies=(), items=(*CATALOG.items, item))
    found = change_problems(CATALOG, changed, {"stamina": 40})
    assert "energy 'stamina' is removed while players hold 40" in found
    assert any("was the energy 'Stamina' and would become the item" in f for f in found)


def test_balance_shows_every_catalog_energy_an_untouched_one_at_start():
    low = msgspec.structs.replace(STAMINA, code="mana", name="Mana", start=40)
    shown = levels({}, (STAMINA, low), NOW)
    assert (shown["stamina"].current, shown["stamina"].next_refill_at) == (100, None)
    assert (shown["mana"].current, shown["mana"].next_refill_at) == (40, NOW + minutes(5))
