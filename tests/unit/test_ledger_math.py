"""Double-entry arithmetic, account names, and how a stream's newest event becomes its state."""

import pytest

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY, MAX_AMOUNT
from domain.commands import Purchase, TopUp
from domain.events import Claimed, Leg, PlayerRegistered, TrancheChanged, Transferred
from domain.ledger import PlayerState, apply_legs, imbalances
from domain.ports import StoredEvent
from domain.state import player_state, shard_state
from domain.transfer_errors import AmountOverflow
from service.idempotency import fingerprint
from service.signup import REFERRAL_ALPHABET, new_referral_code
from tests.fakes import NOW

ME = "player:p1"


def stored(
    event: Transferred | PlayerRegistered | TrancheChanged | Claimed, version: int = 4
) -> StoredEvent:
    return StoredEvent(
        stream_id="s", version=version, global_position=99, event=event, recorded_at=NOW
    )


def test_balanced_legs_have_no_imbalance() -> None:
    legs = [Leg("a", CURRENCY, -5), Leg("b", CURRENCY, 5), Leg("c", "gem", -1), Leg("d", "gem", 1)]
    assert imbalances(legs) == {}


def test_imbalances_name_each_asset_that_does_not_sum_to_zero() -> None:
    legs = [Leg("a", CURRENCY, -5), Leg("b", CURRENCY, 4), Leg("c", "gem", 1), Leg("d", "ore", 0)]
    assert imbalances(legs) == {CURRENCY: -1, "gem": 1}


def test_apply_legs_changes_only_the_given_accounts_balances() -> None:
    before = {CURRENCY: 10}
    legs = [Leg(ME, CURRENCY, -4), Leg("other", CURRENCY, 4), Leg(ME, "gem", 2)]
    assert apply_legs(before, legs, ME) == {CURRENCY: 6, "gem": 2}
    assert before == {CURRENCY: 10}


def test_apply_legs_refuses_a_balance_beyond_a_bigint() -> None:
    assert apply_legs({CURRENCY: MAX_AMOUNT - 1}, [Leg(ME, CURRENCY, 1)], ME) == {
        CURRENCY: MAX_AMOUNT
    }
    with pytest.raises(AmountOverflow) as refused:
        apply_legs({CURRENCY: MAX_AMOUNT}, [Leg(ME, CURRENCY, 1)], ME)
    assert refused.value.context == {"asset": CURRENCY}


def test_a_balance_never_held_is_zero() -> None:
    assert PlayerState(player_id="p", version=1, balances={}).balance("gem") == 0


def test_account_names_tell_issuers_treasury_and_players_apart() -> None:
    shard, issuer, player = accounts.shard_account(3), accounts.issuer_account("gem"), ME
    assert [accounts.is_issuer(a) for a in (shard, issuer, player)] == [False, True, False]
    assert [accounts.is_treasury(a) for a in (shard, accounts.INFLOW, player)] == [
        True,
        True,
        False,
    ]
    assert accounts.is_player(player)
    assert accounts.player_id_of(accounts.player_account("p1")) == "p1"


def test_username_claims_ignore_case() -> None:
    assert accounts.username_stream("Alice") == accounts.username_stream("aLICE")


def test_player_state_is_the_balance_carried_on_the_newest_transfer() -> None:
    transfer = Transferred(
        transfer_id="t", code="top_up", legs=(), state_after={CURRENCY: 7}, occurred_at=NOW
    )
    assert player_state("p1", stored(transfer)) == PlayerState(
        player_id="p1", version=4, balances={CURRENCY: 7}
    )


def test_a_just_registered_player_holds_nothing() -> None:
    registered = PlayerRegistered(player_id="p1", username="a", referral_code="C", occurred_at=NOW)
    assert player_state("p1", stored(registered, version=1)).balances == {}


def test_a_player_without_a_stream_is_unknown() -> None:
    with pytest.raises(UnknownPlayer):
        player_state("ghost", None)


def test_shard_state_is_the_budget_after_its_newest_tranche() -> None:
    tranche = TrancheChanged(transfer_id="t", delta=-1, budget_after=41, occurred_at=NOW)
    assert shard_state(2, stored(tranche, version=8)).budget == 41
    assert shard_state(2, None).budget == 0


def test_the_fingerprint_tells_a_retry_from_a_different_request() -> None:
    same = fingerprint(Purchase(player_id="p", item="gold_coin"))
    assert same == fingerprint(Purchase(player_id="p", item="gold_coin", quantity=1))
    assert same != fingerprint(Purchase(player_id="p", item="gold_coin", quantity=2))
    assert fingerprint(TopUp(player_id="p", amount=1)) != fingerprint(
        TopUp(player_id="p", amount=2)
    )


def test_referral_codes_use_an_unambiguous_alphabet_and_do_not_repeat() -> None:
    codes = {new_referral_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 10 and set(c) <= set(REFERRAL_ALPHABET) for c in codes)
    assert not set("01OI") & set(REFERRAL_ALPHABET)
