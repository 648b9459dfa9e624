"""Decisions on player commands: pure `(state, command, ids, now) -> Decision` functions.

They never read the clock or make ids: the handler passes both in.
"""

import re
from datetime import datetime

from domain import accounts
from domain.assets import CURRENCY, Catalog
from domain.commands import EconomyRules, Reverse, SignUp, TopUp
from domain.details import ReversalDetails
from domain.errors import (
    InsufficientFunds,
    InvalidAmount,
    InvalidUsername,
    NotReversible,
    UnknownAsset,
    UnknownReferralCode,
)
from domain.events import Claimed, Event, Leg, PlayerRegistered, Transferred
from domain.ledger import NO_STREAM, Append, Decision, PlayerState, ShardState, apply_legs
from domain.shop import decide_purchase
from domain.treasury import ShardShort, draw

__all__ = ["decide_purchase", "decide_reversal", "decide_signup", "decide_top_up"]

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
REVERSIBLE = frozenset({"top_up", "purchase", "referral_bonus"})


def decide_signup(
    cmd: SignUp,
    *,
    player_id: str,
    referral_code: str,
    bonus_ids: tuple[str, str],
    referrer: PlayerState | None,
    shard: ShardState | None,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """Open a player; with a valid referral code, pay both players the referral bonus."""
    # fullmatch, not match: `$` also matches before a trailing newline ("alice\n").
    if not USERNAME.fullmatch(cmd.username):
        raise InvalidUsername(
            "usernames are 3-32 characters of letters, digits, '_', '.' or '-'",
            username=cmd.username,
        )
    if cmd.referral_code is not None and referrer is None:
        raise UnknownReferralCode(
            "no player has this referral code", referralCode=cmd.referral_code
        )
    player = PlayerState(player_id=player_id, version=NO_STREAM, balances={})
    registered = PlayerRegistered(
        player_id=player_id,
        username=cmd.username,
        referral_code=referral_code,
        referred_by=referrer.player_id if referrer else None,
        occurred_at=now,
    )
    appends = [
        Append(
            stream=accounts.username_stream(cmd.username),
            expected=NO_STREAM,
            events=(Claimed(owner=player_id, occurred_at=now),),
        ),
        Append(
            stream=accounts.referral_stream(referral_code),
            expected=NO_STREAM,
            events=(Claimed(owner=player_id, occurred_at=now),),
        ),
    ]
    if referrer is None or rules.referral_bonus == 0:
        appends.append(_player_append(player, (registered,)))
        return Decision(appends=tuple(appends))
    assert shard is not None, "a referral bonus is paid from a shard"
    new_bonus = _treasury_payment(player, shard, rules.referral_bonus, bonus_ids[0], now)
    old_bonus = _treasury_payment(referrer, shard, rules.referral_bonus, bonus_ids[1], now)
    tranche = draw(shard, 2 * rules.referral_bonus, (bonus_ids[0], bonus_ids[1]), now)
    appends += [
        _player_append(player, (registered, _bonus(new_bonus))),
        _player_append(referrer, (_bonus(old_bonus),)),
        tranche,
    ]
    return Decision(appends=tuple(appends))


def decide_top_up(
    player: PlayerState,
    shard: ShardState,
    cmd: TopUp,
    *,
    transfer_id: str,
    rules: EconomyRules,
    now: datetime,
    catalog: Catalog | None = None,
) -> Decision:
    """The treasury (one shard of the currency) pays the player `amount` of the currency."""
    if catalog is not None and cmd.currency not in catalog.currency_codes():
        raise UnknownAsset(
            f"there is no currency '{cmd.currency}'",
            asset=cmd.currency,
            available=list(catalog.currency_codes()),
        )
    assert shard.currency == cmd.currency, "a top-up draws on a shard of its own currency"
    if not 1 <= cmd.amount <= rules.top_up_max:
        raise InvalidAmount(
            f"amount must be an integer from 1 to {rules.top_up_max}",
            amount=cmd.amount,
            minimum=1,
            maximum=rules.top_up_max,
        )
    transfer = _treasury_payment(player, shard, cmd.amount, transfer_id, now)
    return Decision(
        appends=(
            _player_append(player, (transfer,)),
            draw(shard, cmd.amount, (transfer_id,), now),
        )
    )


def decide_reversal(
    player: PlayerState,
    original: Transferred,
    shard: ShardState,
    cmd: Reverse,
    *,
    transfer_id: str,
    now: datetime,
) -> Decision:
    """A correcting transfer that undoes `original` (never an edit of it).

    Money returning to the treasury goes to inflow; money leaving it comes from a shard, so the
    treasury keeps its rule: credits never contend, debits are always bounded by a shard budget.
    """
    if original.code not in REVERSIBLE:
        raise NotReversible(
            f"a {original.code} transfer cannot be reversed",
            transferId=original.transfer_id,
            code=original.code,
        )
    account = accounts.player_account(player.player_id)
    if any(accounts.is_treasury(g.account) and g.asset != shard.currency for g in original.legs):
        raise NotReversible(
            f"only transfers whose treasury legs are all in {shard.currency} can be reversed",
            transferId=original.transfer_id,
            code=original.code,
        )
    legs = tuple(_reverse_leg(leg, shard) for leg in original.legs)
    after = apply_legs(player.balances, legs, account)
    short = {asset: value for asset, value in after.items() if value < 0}
    if short:
        raise InsufficientFunds(
            "the player no longer holds what the transfer gave",
            balance=player.balance(CURRENCY),
            missing={a: -v for a, v in short.items()},
        )
    transfer = Transferred(
        transfer_id=transfer_id,
        code="reversal",
        legs=legs,
        state_after=after,
        occurred_at=now,
        details=ReversalDetails(reverses=original.transfer_id, reason=cmd.reason),
    )
    appends = [
        _player_append(player, (transfer,)),
        Append(
            stream=accounts.reversal_stream(original.transfer_id),
            expected=NO_STREAM,
            events=(Claimed(owner=transfer_id, occurred_at=now),),
        ),
    ]
    paid = sum(-leg.amount for leg in legs if accounts.is_treasury(leg.account) and leg.amount < 0)
    if paid:
        appends.append(draw(shard, paid, (transfer_id,), now))
    return Decision(appends=tuple(appends))


def _reverse_leg(leg: Leg, shard: ShardState) -> Leg:
    if not accounts.is_treasury(leg.account):
        return Leg(leg.account, leg.asset, -leg.amount)
    if leg.amount < 0:  # the treasury paid: the refund goes to inflow
        return Leg(accounts.INFLOW, leg.asset, -leg.amount)
    return Leg(shard.account, leg.asset, -leg.amount)


def _treasury_payment(
    player: PlayerState, shard: ShardState, amount: int, transfer_id: str, now: datetime
) -> Transferred:
    if shard.budget < amount:
        raise ShardShort(shard.index)
    account = accounts.player_account(player.player_id)
    legs = (Leg(shard.account, shard.currency, -amount), Leg(account, shard.currency, amount))
    return Transferred(
        transfer_id=transfer_id,
        code="top_up",
        legs=legs,
        state_after=apply_legs(player.balances, legs, account),
        occurred_at=now,
    )


def _bonus(transfer: Transferred) -> Transferred:
    return Transferred(
        transfer_id=transfer.transfer_id,
        code="referral_bonus",
        legs=transfer.legs,
        state_after=transfer.state_after,
        occurred_at=transfer.occurred_at,
    )


def _player_append(player: PlayerState, events: tuple[Event, ...]) -> Append:
    return Append(
        stream=accounts.player_account(player.player_id), expected=player.version, events=events
    )
