"""Decisions on player commands: pure `(state, command, ids, now) -> Decision` functions.

They never read the clock or make ids: the handler passes both in.
"""

import re
from datetime import datetime

from domain import accounts
from domain.account_errors import InvalidUsername, UnknownReferralCode
from domain.assets import CURRENCY, Catalog
from domain.commands import EconomyRules, Reverse, SignUp, TopUp
from domain.credits import check_payout, decide_credit, payout
from domain.details import ReversalDetails
from domain.events import Claimed, Leg, PlayerRegistered, TransferCode, Transferred
from domain.ledger import (
    NO_STREAM,
    Append,
    Decision,
    PlayerState,
    ShardState,
    player_append,
    transfer,
)
from domain.shop import decide_purchase
from domain.transfer_errors import InsufficientFunds, NotReversible
from domain.treasury import draw

__all__ = ["decide_purchase", "decide_reversal", "decide_signup", "decide_top_up"]

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
REFERRAL: TransferCode = "referral_bonus"
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
        appends.append(player_append(player, registered))
        return Decision(appends=tuple(appends))
    assert shard is not None, "a referral bonus is paid from a shard"
    bonus = rules.referral_bonus
    new_bonus = payout(player, shard, bonus, code=REFERRAL, transfer_id=bonus_ids[0], now=now)
    old_bonus = payout(referrer, shard, bonus, code=REFERRAL, transfer_id=bonus_ids[1], now=now)
    appends += [
        player_append(player, registered, new_bonus),
        player_append(referrer, old_bonus),
        draw(shard, 2 * bonus, (bonus_ids[0], bonus_ids[1]), now),
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
    assert shard.currency == cmd.currency, "a top-up draws on a shard of its own currency"
    check_payout(cmd.currency, cmd.amount, rules, catalog)
    paid = payout(player, shard, cmd.amount, code="top_up", transfer_id=transfer_id, now=now)
    return decide_credit(player, shard, paid)


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
    if any(accounts.is_treasury(g.account) and g.asset != shard.currency for g in original.legs):
        raise NotReversible(
            f"only transfers whose treasury legs are all in {shard.currency} can be reversed",
            transferId=original.transfer_id,
            code=original.code,
        )
    energies = original.timed.energies if original.timed else {}
    if any(leg.asset in energies for leg in original.legs):  # its meter cannot be undone
        raise NotReversible(
            "a transfer that moved energy cannot be reversed",
            transferId=original.transfer_id,
            code=original.code,
        )
    legs = tuple(_reverse_leg(leg, shard) for leg in original.legs)
    details = ReversalDetails(reverses=original.transfer_id, reason=cmd.reason)
    made = transfer(
        player, legs, code="reversal", transfer_id=transfer_id, now=now, details=details
    )
    short = {asset: value for asset, value in made.state_after.items() if value < 0}
    if short:
        raise InsufficientFunds(
            "the player no longer holds what the transfer gave",
            balance=player.balance(CURRENCY),
            missing={a: -v for a, v in short.items()},
        )
    appends = [
        player_append(player, made),
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
