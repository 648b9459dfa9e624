"""The player commands' decisions: signup, top-up, purchase and reversal, with every refusal."""

import pytest

from domain import accounts
from domain.account_errors import InvalidUsername, UnknownReferralCode
from domain.assets import CURRENCY, DEFAULT_CATALOG, MAX_AMOUNT
from domain.commands import EconomyRules, Purchase, Reverse, SignUp, TopUp
from domain.events import (
    Claimed,
    Leg,
    PlayerRegistered,
    TrancheChanged,
    TransferCode,
    Transferred,
)
from domain.ledger import NO_STREAM, Append, Decision, PlayerState, ShardState, imbalances
from domain.players import decide_purchase, decide_reversal, decide_signup, decide_top_up
from domain.shop_errors import InvalidQuantity, UnknownItem
from domain.transfer_errors import AmountOverflow, InsufficientFunds, InvalidAmount, NotReversible
from domain.treasury import ShardShort
from tests.fakes import NOW

RULES = EconomyRules(shard_count=4, top_up_max=10_000, referral_bonus=50, max_quantity=100)
ME = accounts.player_account("p1")


def given_player(
    diamonds: int = 0, *, version: int = 3, pid: str = "p1", **items: int
) -> PlayerState:
    return PlayerState(player_id=pid, version=version, balances={CURRENCY: diamonds, **items})


def given_shard(budget: int = 1_000_000, *, index: int = 2, version: int = 7) -> ShardState:
    return ShardState(index=index, version=version, budget=budget)


def when_top_up(player: PlayerState, amount: int, shard: ShardState | None = None) -> Decision:
    cmd = TopUp(player_id=player.player_id, amount=amount)
    return decide_top_up(
        player, shard or given_shard(), cmd, transfer_id="t1", rules=RULES, now=NOW
    )


def when_purchase(player: PlayerState, item: str = "gold_coin", quantity: int = 1) -> Decision:
    cmd = Purchase(player_id=player.player_id, item=item, quantity=quantity)
    return decide_purchase(
        player, cmd, catalog=DEFAULT_CATALOG, transfer_id="t1", rules=RULES, now=NOW
    )


def when_signup(
    username: str = "alice",
    *,
    code: str | None = None,
    referrer: PlayerState | None = None,
    shard: ShardState | None = None,
    rules: EconomyRules = RULES,
) -> Decision:
    return decide_signup(
        SignUp(username=username, referral_code=code),
        player_id="new",
        referral_code="NEWCODE",
        bonus_ids=("b1", "b2"),
        referrer=referrer,
        shard=shard or given_shard(),
        rules=rules,
        now=NOW,
    )


def when_reversing(
    player: PlayerState, original: Transferred, shard: ShardState | None = None
) -> Decision:
    cmd = Reverse(
        player_id=player.player_id, transfer_id=original.transfer_id, reason="oops", actor="op"
    )
    return decide_reversal(player, original, shard or given_shard(), cmd, transfer_id="r1", now=NOW)


def then_append(decision: Decision, stream: str) -> Append:
    (append,) = [a for a in decision.appends if a.stream == stream]
    return append


def then_transfer(decision: Decision, stream: str = ME) -> Transferred:
    (event,) = [e for e in then_append(decision, stream).events if isinstance(e, Transferred)]
    assert imbalances(event.legs) == {}
    return event


def then_streams(decision: Decision) -> list[str]:
    return [a.stream for a in decision.appends]


# --- top-up -----------------------------------------------------------------------------------


def test_top_up_moves_money_from_one_shard_to_the_player() -> None:
    decision = when_top_up(given_player(30), 100, given_shard(500, index=2, version=7))
    transfer = then_transfer(decision)
    assert transfer.code == "top_up"
    assert set(transfer.legs) == {Leg("treasury:shard:2", CURRENCY, -100), Leg(ME, CURRENCY, 100)}
    assert transfer.state_after == {CURRENCY: 130}
    assert then_append(decision, ME).expected == 3
    (tranche,) = then_append(decision, "treasury:shard:2").events
    assert tranche == TrancheChanged(
        transfer_id="t1", delta=-100, budget_after=400, occurred_at=NOW
    )
    assert then_append(decision, "treasury:shard:2").expected == 7


@pytest.mark.parametrize("amount", [0, -1, RULES.top_up_max + 1])
def test_top_up_outside_the_allowed_range_is_invalid_amount(amount: int) -> None:
    with pytest.raises(InvalidAmount) as refused:
        when_top_up(given_player(), amount)
    assert refused.value.context["maximum"] == RULES.top_up_max


@pytest.mark.parametrize("amount", [1, RULES.top_up_max])
def test_top_up_accepts_both_ends_of_the_range(amount: int) -> None:
    assert then_transfer(when_top_up(given_player(), amount)).state_after == {CURRENCY: amount}


def test_top_up_larger_than_the_shard_budget_asks_for_another_shard() -> None:
    with pytest.raises(ShardShort) as short:
        when_top_up(given_player(), 101, given_shard(100, index=3))
    assert short.value.index == 3
    assert then_transfer(when_top_up(given_player(), 100, given_shard(100))).state_after == {
        CURRENCY: 100
    }


def test_top_up_that_would_exceed_a_bigint_is_amount_overflow() -> None:
    with pytest.raises(AmountOverflow):
        when_top_up(given_player(MAX_AMOUNT - 5), 6)
    assert then_transfer(when_top_up(given_player(MAX_AMOUNT - 5), 5)).state_after == {
        CURRENCY: MAX_AMOUNT
    }


# --- purchase ---------------------------------------------------------------------------------


def test_purchase_is_one_transfer_paying_inflow_and_issuing_the_item() -> None:
    decision = when_purchase(given_player(120, gold_coin=1), "treasure_box", 2)
    transfer = then_transfer(decision)
    assert set(transfer.legs) == {
        Leg(ME, CURRENCY, -100),
        Leg(accounts.INFLOW, CURRENCY, 100),
        Leg("issuer:treasure_box", "treasure_box", -2),
        Leg(ME, "treasure_box", 2),
    }
    assert transfer.state_after == {CURRENCY: 20, "gold_coin": 1, "treasure_box": 2}
    assert (transfer.code, transfer.details.item, transfer.details.quantity) == (
        "purchase",
        "treasure_box",
        2,
    )


def test_purchase_checks_and_writes_only_the_players_stream() -> None:
    # Credits to the treasury never contend: no treasury stream is version-checked.
    decision = when_purchase(given_player(10))
    assert then_streams(decision) == [ME]
    assert then_append(decision, ME).expected == 3


def test_purchase_of_an_item_not_in_the_catalog_is_unknown_item() -> None:
    with pytest.raises(UnknownItem) as refused:
        when_purchase(given_player(1000), "dragon")
    assert refused.value.context["available"] == ["gold_coin", "treasure_box"]


@pytest.mark.parametrize("quantity", [0, -1, RULES.max_quantity + 1])
def test_purchase_quantity_outside_the_range_is_invalid_quantity(quantity: int) -> None:
    with pytest.raises(InvalidQuantity):
        when_purchase(given_player(10**9), quantity=quantity)


def test_purchase_costing_more_than_the_balance_is_insufficient_funds() -> None:
    with pytest.raises(InsufficientFunds) as refused:
        when_purchase(given_player(49), "treasure_box")
    assert refused.value.context == {
        "balance": 49,
        "price": 50,
        "quantity": 1,
        "cost": 50,
        "item": "treasure_box",
    }
    assert then_transfer(when_purchase(given_player(50), "treasure_box")).state_after == {
        CURRENCY: 0,
        "treasure_box": 1,
    }


def test_purchase_by_a_player_with_no_money_is_insufficient_funds() -> None:
    with pytest.raises(InsufficientFunds):
        when_purchase(PlayerState(player_id="p1", version=1, balances={}))


def test_purchase_whose_cost_exceeds_a_bigint_is_refused_not_stored() -> None:
    rules = EconomyRules(max_quantity=2**62)
    cmd = Purchase(player_id="p1", item="treasure_box", quantity=2**60)
    with pytest.raises(InsufficientFunds):
        decide_purchase(
            given_player(MAX_AMOUNT),
            cmd,
            catalog=DEFAULT_CATALOG,
            transfer_id="t",
            rules=rules,
            now=NOW,
        )


def test_purchase_that_would_hold_more_items_than_a_bigint_is_amount_overflow() -> None:
    with pytest.raises(AmountOverflow):
        when_purchase(given_player(100, gold_coin=MAX_AMOUNT))


# --- signup -----------------------------------------------------------------------------------


def test_signup_claims_the_lowercased_username_and_the_referral_code() -> None:
    decision = when_signup("Alice")
    assert then_streams(decision) == ["username:alice", "referral:NEWCODE", "player:new"]
    assert all(a.expected == NO_STREAM for a in decision.appends)
    assert then_append(decision, "username:alice").events == (
        Claimed(owner="new", occurred_at=NOW),
    )
    (registered,) = then_append(decision, "player:new").events
    assert registered == PlayerRegistered(
        player_id="new", username="Alice", referral_code="NEWCODE", occurred_at=NOW
    )


@pytest.mark.parametrize(
    "username", ["ab", "x" * 33, "al ice", "alice\n", "alice\r", "ålice", "", "a/b/c", "bob;"]
)
def test_signup_with_a_malformed_username_is_invalid_username(username: str) -> None:
    with pytest.raises(InvalidUsername):
        when_signup(username)


@pytest.mark.parametrize("username", ["abc", "x" * 32, "A.b-c_1", "0xdeadbeef"])
def test_signup_accepts_well_formed_usernames(username: str) -> None:
    assert when_signup(username).appends


def test_signup_with_a_referral_code_pays_both_players_the_bonus_from_one_shard() -> None:
    referrer = given_player(5, pid="ref", version=4)
    decision = when_signup(code="REFCODE", referrer=referrer, shard=given_shard(1000, index=1))
    registered, bonus = then_append(decision, "player:new").events
    assert isinstance(registered, PlayerRegistered)
    assert registered.referred_by == "ref"
    assert isinstance(bonus, Transferred)
    assert bonus.code == "referral_bonus"
    assert bonus.state_after == {CURRENCY: 50}
    theirs = then_transfer(decision, "player:ref")
    assert (theirs.code, theirs.state_after) == ("referral_bonus", {CURRENCY: 55})
    assert then_append(decision, "player:ref").expected == 4
    tranches = then_append(decision, "treasury:shard:1").events
    assert tranches == (
        TrancheChanged(transfer_id="b1", delta=-50, budget_after=950, occurred_at=NOW),
        TrancheChanged(transfer_id="b2", delta=-50, budget_after=900, occurred_at=NOW),
    )


def test_signup_with_a_code_nobody_holds_is_unknown_referral_code() -> None:
    with pytest.raises(UnknownReferralCode):
        when_signup(code="NOSUCH", referrer=None)


def test_signup_bonus_the_shard_cannot_fund_for_both_asks_for_another_shard() -> None:
    with pytest.raises(ShardShort):
        when_signup(code="REF", referrer=given_player(pid="ref"), shard=given_shard(99))


def test_signup_without_a_bonus_configured_moves_no_money() -> None:
    rules = EconomyRules(referral_bonus=0)
    decision = when_signup(code="REF", referrer=given_player(pid="ref"), rules=rules)
    assert then_streams(decision) == ["username:alice", "referral:NEWCODE", "player:new"]


def test_signup_bonus_that_would_overflow_the_referrer_is_amount_overflow() -> None:
    with pytest.raises(AmountOverflow):
        when_signup(code="REF", referrer=given_player(MAX_AMOUNT, pid="ref"))


# --- reversal ---------------------------------------------------------------------------------


def test_reversing_a_purchase_refunds_from_a_shard_and_returns_the_item() -> None:
    bought = then_transfer(when_purchase(given_player(100), "treasure_box"))
    player = given_player(50, treasure_box=1, version=4)
    decision = when_reversing(player, bought, given_shard(1000, index=3))
    reversal = then_transfer(decision)
    assert (reversal.code, reversal.details.reverses, reversal.details.reason) == (
        "reversal",
        "t1",
        "oops",
    )
    assert set(reversal.legs) == {
        Leg(ME, CURRENCY, 50),
        Leg("treasury:shard:3", CURRENCY, -50),
        Leg("issuer:treasure_box", "treasure_box", 1),
        Leg(ME, "treasure_box", -1),
    }
    assert reversal.state_after == {CURRENCY: 100, "treasure_box": 0}
    assert then_append(decision, "reversal:t1").expected == NO_STREAM
    (tranche,) = then_append(decision, "treasury:shard:3").events
    assert isinstance(tranche, TrancheChanged)
    assert tranche.budget_after == 950


def test_reversing_a_top_up_pays_it_back_to_inflow_without_a_shard() -> None:
    topped = then_transfer(when_top_up(given_player(), 80))
    decision = when_reversing(given_player(80, version=2), topped)
    assert set(then_transfer(decision).legs) == {
        Leg(ME, CURRENCY, -80),
        Leg(accounts.INFLOW, CURRENCY, 80),
    }
    assert then_streams(decision) == [ME, "reversal:t1"]


def test_reversing_a_referral_bonus_takes_the_bonus_back() -> None:
    decision = when_signup(code="REF", referrer=given_player(pid="ref"))
    bonus = then_transfer(decision, "player:ref")
    reversal = then_transfer(when_reversing(given_player(50, pid="ref"), bonus), "player:ref")
    assert reversal.state_after == {CURRENCY: 0}


def test_reversing_a_top_up_already_spent_is_insufficient_funds() -> None:
    topped = then_transfer(when_top_up(given_player(), 80))
    with pytest.raises(InsufficientFunds) as refused:
        when_reversing(given_player(30, gold_coin=5), topped)
    assert refused.value.context["missing"] == {CURRENCY: 50}


def test_reversing_a_purchase_whose_item_is_gone_is_insufficient_funds() -> None:
    bought = then_transfer(when_purchase(given_player(10)))
    with pytest.raises(InsufficientFunds):
        when_reversing(given_player(0), bought)


def test_refund_larger_than_the_shard_budget_asks_for_another_shard() -> None:
    bought = then_transfer(when_purchase(given_player(50), "treasure_box"))
    with pytest.raises(ShardShort):
        when_reversing(given_player(0, treasure_box=1), bought, given_shard(49))


@pytest.mark.parametrize("code", ["reversal", "genesis", "sweep"])
def test_reversing_a_reversal_genesis_or_sweep_is_not_reversible(code: TransferCode) -> None:
    original = Transferred(transfer_id="x", code=code, legs=(), state_after={}, occurred_at=NOW)
    with pytest.raises(NotReversible):
        when_reversing(given_player(100), original)
