"""The escrowed treasury's decisions: genesis, drawing from a shard, and the sweeper's refills."""

import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import EconomyRules
from domain.events import Leg, TrancheChanged, Transferred
from domain.ledger import NO_STREAM, Append, Decision, ShardState, imbalances
from domain.treasury import (
    ShardShort,
    SweeperState,
    decide_genesis,
    decide_sweep,
    draw,
    shard_order,
)
from tests.fakes import NOW


def given_shards(*budgets: int) -> list[ShardState]:
    return [ShardState(index=i, version=i + 1, budget=b) for i, b in enumerate(budgets)]


def when_sweeping(credited: int, shards: list[ShardState], swept: int = 0) -> Decision | None:
    sweeper = SweeperState(version=5, swept=swept)
    return decide_sweep(sweeper, credited, shards, transfer_id="s1", now=NOW)


def then_append(decision: Decision, stream: str) -> Append:
    (append,) = [a for a in decision.appends if a.stream == stream]
    return append


def then_treasury_transfer(decision: Decision | None) -> Transferred:
    assert decision is not None
    (sweep,) = then_append(decision, accounts.TREASURY_STREAM).events
    assert isinstance(sweep, Transferred)
    assert imbalances(sweep.legs) == {}
    return sweep


# --- draw -------------------------------------------------------------------------------------


def test_draw_lowers_the_budget_at_the_shards_expected_version() -> None:
    append = draw(ShardState(index=2, version=9, budget=100), 30, ("t1",), NOW)
    assert (append.stream, append.expected) == ("treasury:shard:2", 9)
    assert append.events == (
        TrancheChanged(transfer_id="t1", delta=-30, budget_after=70, occurred_at=NOW),
    )


def test_draw_for_two_transfers_writes_one_tranche_each() -> None:
    append = draw(ShardState(index=0, version=1, budget=100), 100, ("a", "b"), NOW)
    assert [(e.transfer_id, e.delta, e.budget_after) for e in _tranches(append)] == [
        ("a", -50, 50),
        ("b", -50, 0),
    ]


def test_draw_beyond_the_budget_raises_shard_short() -> None:
    with pytest.raises(ShardShort) as short:
        draw(ShardState(index=3, version=1, budget=29), 30, ("t1",), NOW)
    assert short.value.index == 3


def test_shard_order_starts_anywhere_and_visits_every_shard_once() -> None:
    assert shard_order(2, 4) == [2, 3, 0, 1]
    assert shard_order(0, 1) == [0]


# --- genesis ----------------------------------------------------------------------------------


def test_genesis_mints_the_supply_from_the_issuer_into_the_shards() -> None:
    decision = decide_genesis(
        EconomyRules(genesis_supply=1003, shard_count=4), transfer_id="g", now=NOW
    )
    genesis = then_treasury_transfer(decision)
    assert genesis.code == "genesis"
    assert set(genesis.legs) == {
        Leg(accounts.issuer_account(CURRENCY), CURRENCY, -1003),
        Leg("treasury:shard:0", CURRENCY, 253),  # the remainder lands on shard 0
        Leg("treasury:shard:1", CURRENCY, 250),
        Leg("treasury:shard:2", CURRENCY, 250),
        Leg("treasury:shard:3", CURRENCY, 250),
    }
    assert genesis.state_after == {"swept": 0}


def test_genesis_opens_each_stream_once_with_a_budget_equal_to_its_leg() -> None:
    decision = decide_genesis(
        EconomyRules(genesis_supply=1003, shard_count=4), transfer_id="g", now=NOW
    )
    assert all(a.expected == NO_STREAM for a in decision.appends)
    budgets = {a.stream: _tranches(a)[0].budget_after for a in decision.appends[1:]}
    legs = {
        leg.account: leg.amount for leg in then_treasury_transfer(decision).legs if leg.amount > 0
    }
    assert budgets == legs


# --- sweep ------------------------------------------------------------------------------------


def test_sweep_moves_the_unswept_inflow_to_the_lowest_shard() -> None:
    decision = when_sweeping(700, given_shards(500, 20, 900), swept=200)
    sweep = then_treasury_transfer(decision)
    assert set(sweep.legs) == {
        Leg(accounts.INFLOW, CURRENCY, -500),
        Leg("treasury:shard:1", CURRENCY, 500),
    }
    assert sweep.state_after == {"swept": 700}
    assert decision is not None
    assert then_append(decision, accounts.TREASURY_STREAM).expected == 5
    shard = then_append(decision, "treasury:shard:1")
    assert shard.expected == 2
    assert _tranches(shard)[0].budget_after == 520


def test_sweep_breaks_a_tie_on_the_lowest_shard_index() -> None:
    decision = when_sweeping(10, given_shards(7, 3, 3))
    assert decision is not None
    assert then_append(decision, "treasury:shard:1").events


@pytest.mark.parametrize(("credited", "swept"), [(0, 0), (300, 300), (250, 300)])
def test_sweep_with_nothing_new_to_move_writes_nothing(credited: int, swept: int) -> None:
    # A lagging (or rebuilt) projection may report less than was swept: never move a negative.
    assert when_sweeping(credited, given_shards(1, 2), swept=swept) is None


def test_sweep_without_shards_writes_nothing() -> None:
    assert when_sweeping(100, []) is None


def _tranches(append: Append) -> list[TrancheChanged]:
    events = [e for e in append.events if isinstance(e, TrancheChanged)]
    assert len(events) == len(append.events)
    return events
