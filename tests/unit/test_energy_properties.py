"""Energies under hypothesis with a fake clock (issue 23): whatever players do and whenever,
an energy is never negative, never above overfillMax, equal to its balance, its refill is
monotonic in time, and every asset is conserved."""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commands import EnergyModifier, Grant, Purchase, SpendEnergy, UseItem
from domain.energies import EnergyMeter, Modifier, refilled
from domain.energy_use import decide_grant, decide_spend
from domain.events import Transferred
from domain.ledger import Decision, PlayerState, imbalances
from domain.shop import decide_purchase, decide_use
from domain.shop_errors import InsufficientEnergy
from domain.timed import NO_TIMED
from domain.transfer_errors import InsufficientFunds
from tests.fakes import NOW
from tests.unit.test_energies import CATALOG, RULES, STAMINA

modifiers = st.builds(
    EnergyModifier,
    kind=st.sampled_from(["unlimited", "refillFaster"]),
    seconds=st.integers(1, 7200),
    factor=st.integers(2, 5),
)
Step = Callable[[PlayerState, datetime], Decision]


def spending(amount: int) -> Step:
    cmd = SpendEnergy(player_id="p1", energy="stamina", amount=amount)
    return lambda player, now: decide_spend(
        player, cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=now
    )


def granting(amount: int, modifier: EnergyModifier | None) -> Step:
    cmd = Grant(player="p", amount=amount, reason=None, energy="stamina", modifier=modifier)
    return lambda player, now: decide_grant(
        player, cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=now
    )


def buying(item: str) -> Step:
    cmd = Purchase(player_id="p1", item=item)
    return lambda player, now: decide_purchase(
        player, cmd, catalog=CATALOG, transfer_id="t", rules=RULES, now=now
    )


def drinking() -> Step:
    cmd = UseItem(player_id="p1", item="energy_drink")
    return lambda player, now: decide_use(
        player, cmd, catalog=CATALOG, rolls=(), transfer_id="t", rules=RULES, now=now
    )


steps = st.one_of(
    st.builds(spending, st.integers(1, 150)),
    st.builds(granting, st.integers(1, 300), st.none() | modifiers),
    st.builds(buying, st.sampled_from(["match_entry", "energy_drink"])),
    st.builds(drinking),
)
waits = st.integers(0, 4 * 3600)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(waits, steps), max_size=25))
def test_energy_stays_within_bounds_equals_its_balance_and_is_conserved(
    script: list[tuple[int, Step]],
) -> None:
    player = PlayerState(player_id="p1", version=1, balances={"diamond": 10_000})
    totals: dict[str, int] = defaultdict(int)
    now = NOW
    for wait, step in script:
        now += timedelta(seconds=wait)
        try:
            decision = step(player, now)
        except (InsufficientEnergy, InsufficientFunds):
            continue
        [append] = decision.appends
        event = append.events[-1]
        assert isinstance(event, Transferred)
        assert not imbalances(event.legs)  # conservation per asset, in every transfer
        for leg in event.legs:
            totals[leg.asset] += leg.amount
        meter = event.timed.energies.get("stamina") if event.timed else None
        current = meter.current if meter else STAMINA.start  # untouched: it stands at start
        assert 0 <= current <= STAMINA.ceiling
        assert (meter.current if meter else 0) == event.state_after.get("stamina", 0)
        player = PlayerState(
            player_id="p1",
            version=player.version + 1,
            balances=dict(event.state_after),
            timed=event.timed or NO_TIMED,
        )
    assert not {asset: n for asset, n in totals.items() if n}


meters = st.builds(
    EnergyMeter,
    current=st.integers(0, STAMINA.ceiling),
    anchor=st.just(NOW),
    modifiers=st.lists(
        st.builds(
            lambda kind, start, length, factor: Modifier(
                kind=kind,
                starts_at=NOW + timedelta(seconds=start),
                ends_at=NOW + timedelta(seconds=start + length),
                factor=factor,
            ),
            st.sampled_from(["unlimited", "refillFaster"]),
            st.integers(0, 36_000),
            st.integers(1, 36_000),
            st.integers(2, 5),
        ),
        max_size=3,
    ).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(meters, st.integers(0, 200_000), st.integers(0, 200_000))
def test_refill_is_monotonic_in_time_and_bounded(
    meter: EnergyMeter, first: int, second: int
) -> None:
    early, late = sorted((first, second))
    at_early = refilled(meter, STAMINA, NOW + timedelta(seconds=early))
    at_late = refilled(meter, STAMINA, NOW + timedelta(seconds=late))
    assert meter.current <= at_early.current <= at_late.current
    assert at_late.current <= max(meter.current, STAMINA.max)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 99), st.integers(0, 200_000), st.integers(0, 200_000))
def test_touching_an_energy_does_not_change_what_it_will_be(
    current: int, first: int, second: int
) -> None:
    early, late = sorted((first, second))
    meter = EnergyMeter(current=current, anchor=NOW)
    touched = refilled(meter, STAMINA, NOW + timedelta(seconds=early))
    later = NOW + timedelta(seconds=late)
    assert refilled(touched, STAMINA, later) == refilled(meter, STAMINA, later)
