"""Holds: two-phase transfers (DESIGN-NOTES.md, note 8). Placing moves the amount from the
player's spendable balance to the hold's account and opens the hold's stream at version 1;
capture, void and expiry are a second transfer out of it, all appended at version 2, so the
stream's unique (stream, version) key lets exactly one of them win."""

from datetime import datetime, timedelta
from typing import Literal

import msgspec

from domain import accounts
from domain.assets import Catalog
from domain.commands import CloseHold, EconomyRules, PlaceHold
from domain.details import HoldDetails
from domain.errors import (
    HoldNotPending,
    InsufficientFunds,
    InvalidAmount,
    ReasonRequired,
    UnknownAsset,
    UnknownHold,
)
from domain.events import Event, HoldPlaced, Leg, TransferCode, Transferred
from domain.ledger import NO_STREAM, Append, Decision, PlayerState, apply_legs
from domain.ports import StoredEvent

HoldStatus = Literal["pending", "captured", "voided", "expired"]
# Who acts on a hold: a game server (`service`), an operator (`admin`), or the ledger's own
# writer (`system`: the expirer, which expires every due hold whoever placed it).
Role = Literal["service", "admin", "system"]
PLACED_VERSION = 1
CLOSE_CODES: dict[str, TransferCode] = {
    "capture": "hold_capture",
    "void": "hold_void",
    "expire": "hold_expiry",
}
STATUS_OF_CODE: dict[str, HoldStatus] = {
    "hold_capture": "captured",
    "hold_void": "voided",
    "hold_expiry": "expired",
    "settlement": "captured",  # a match settlement captures the whole hold into its pot
}


class HoldState(msgspec.Struct, frozen=True, kw_only=True):
    """A hold's terms and where it stands."""

    placed: HoldPlaced
    version: int
    status: HoldStatus
    captured: int | None = None
    closed_at: datetime | None = None


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """The caller of a hold's read or close: its account (player id) and its role."""

    account: str
    role: Role


def unknown_hold(hold_id: str) -> UnknownHold:
    """The one answer for a hold that does not exist or is not the caller's to see."""
    return UnknownHold("no such hold", holdId=hold_id)


def hold_state(hold_id: str, first: StoredEvent | None, head: StoredEvent | None) -> HoldState:
    """A hold from its stream's first event (the terms) and newest (the outcome)."""
    if first is None or not isinstance(first.event, HoldPlaced) or head is None:
        raise unknown_hold(hold_id)
    return settled(first.event, head.version, head.event)


def visible(hold: HoldState, by: Actor) -> HoldState:
    """The hold, if `by` may see it: the account that placed it, an admin or the system. To any
    other caller it does not exist, with the very answer of a hold never placed, so one game
    server cannot even learn that another's hold exists. A hold placed before the placer was
    recorded (`placed_by` None) is no game server's."""
    if by.role in ("admin", "system") or hold.placed.placed_by == by.account:
        return hold
    raise unknown_hold(hold.placed.hold_id)


def check_closer(hold: HoldState, by: Actor, reason: str | None) -> None:
    """`by` may close the hold: its placer or the system, or an admin who says why (the reason
    is recorded on the closing transfer)."""
    visible(hold, by)
    if by.role == "admin" and hold.placed.placed_by != by.account and not reason:
        raise ReasonRequired(
            "an operator closing a hold it did not place must give a reason",
            holdId=hold.placed.hold_id,
        )


def settled(placed: HoldPlaced, version: int, event: Event) -> HoldState:
    """The hold once `event` (its stream's newest, at `version`) is written."""
    if not isinstance(event, Transferred) or event.code not in STATUS_OF_CODE:
        return HoldState(placed=placed, version=version, status="pending")
    captured = captured_by(placed.hold_id, event)
    return HoldState(
        placed=placed,
        version=version,
        status=STATUS_OF_CODE[event.code],
        captured=captured,
        closed_at=event.occurred_at,
    )


def captured_by(hold_id: str, closing: Transferred) -> int:
    """What the transfer that closed the hold captured of it: the inflow legs of a capture, or
    a settlement's whole leg out of this hold (its pot also holds other holds' legs)."""
    if closing.code == "settlement":
        held = accounts.hold_account(hold_id)
        return -sum(leg.amount for leg in closing.legs if leg.account == held)
    return sum(leg.amount for leg in closing.legs if leg.account == accounts.INFLOW)


def decide_place_hold(
    player: PlayerState,
    cmd: PlaceHold,
    *,
    placed_by: str,
    hold_id: str,
    transfer_id: str,
    username: str,
    catalog: Catalog,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """Move `cmd.amount` from the player's spendable balance into the hold's account."""
    _check_place(player, cmd, catalog, rules)
    mine, held = accounts.player_account(player.player_id), accounts.hold_account(hold_id)
    legs = (Leg(mine, cmd.asset, -cmd.amount), Leg(held, cmd.asset, cmd.amount))
    transfer = Transferred(
        transfer_id=transfer_id,
        code="hold",
        legs=legs,
        state_after=apply_legs(player.balances, legs, mine),
        occurred_at=now,
        details=HoldDetails(hold_id=hold_id, memo=cmd.memo),
    )
    placed = HoldPlaced(
        hold_id=hold_id,
        transfer_id=transfer_id,
        player_id=player.player_id,
        username=username,
        asset=cmd.asset,
        amount=cmd.amount,
        expires_at=now + timedelta(seconds=cmd.expires_in),
        memo=cmd.memo,
        occurred_at=now,
        placed_by=placed_by,
    )
    return Decision(
        appends=(
            Append(stream=mine, expected=player.version, events=(transfer,)),
            Append(stream=held, expected=NO_STREAM, events=(placed,)),
        )
    )


def _check_place(
    player: PlayerState, cmd: PlaceHold, catalog: Catalog, rules: EconomyRules
) -> None:
    if cmd.asset not in catalog.asset_codes():
        raise UnknownAsset(
            f"there is no asset '{cmd.asset}'", asset=cmd.asset, available=catalog.asset_codes()
        )
    if not 1 <= cmd.expires_in <= rules.hold_max_seconds:
        raise InvalidAmount(
            f"expiresIn must be from 1 to {rules.hold_max_seconds} seconds",
            expiresIn=cmd.expires_in,
            maximum=rules.hold_max_seconds,
        )
    balance = player.balance(cmd.asset)
    if balance < cmd.amount:
        raise InsufficientFunds(
            f"the hold is {cmd.amount} {cmd.asset} but the player's balance is {balance}",
            balance=balance,
            asset=cmd.asset,
            amount=cmd.amount,
        )


def decide_close_hold(
    hold: HoldState,
    player: PlayerState,
    cmd: CloseHold,
    *,
    by: Actor,
    transfer_id: str,
    now: datetime,
) -> Decision:
    """Capture part or all of a pending hold (the rest goes back), void it, or expire it."""
    terms = hold.placed
    check_closer(hold, by, cmd.reason)  # first: a stranger learns nothing of the hold's state
    _check_close(hold, cmd, now)
    captured = (
        (cmd.amount if cmd.amount is not None else terms.amount) if cmd.outcome == "capture" else 0
    )
    released = terms.amount - captured
    held, mine = accounts.hold_account(terms.hold_id), accounts.player_account(player.player_id)
    legs = [Leg(held, terms.asset, -terms.amount)]
    if captured:
        legs.append(Leg(accounts.INFLOW, terms.asset, captured))
    if released:
        legs.append(Leg(mine, terms.asset, released))

    def copy(account: str, balances: dict[str, int], mirror: bool) -> Transferred:
        return Transferred(
            transfer_id=transfer_id,
            code=CLOSE_CODES[cmd.outcome],
            legs=tuple(legs),
            state_after=apply_legs(balances, legs, account),
            occurred_at=now,
            mirror=mirror,
            details=HoldDetails(hold_id=terms.hold_id, memo=terms.memo, reason=cmd.reason),
        )

    appends = [
        Append(
            stream=held,
            expected=PLACED_VERSION,
            events=(copy(held, {terms.asset: terms.amount}, mirror=False),),
        )
    ]
    if released:  # the player's balances change only when something comes back
        appends.append(
            Append(
                stream=mine,
                expected=player.version,
                events=(copy(mine, player.balances, mirror=True),),
            )
        )
    return Decision(appends=tuple(appends))


def _check_close(hold: HoldState, cmd: CloseHold, now: datetime) -> None:
    terms = hold.placed
    if hold.status != "pending":
        raise HoldNotPending(
            f"the hold is {hold.status}, no longer pending",
            holdId=terms.hold_id,
            holdStatus=hold.status,
        )
    due = now >= terms.expires_at
    if cmd.outcome == "capture" and due:
        raise HoldNotPending(
            "the hold has expired and can no longer be captured",
            holdId=terms.hold_id,
            holdStatus="expired",
        )
    if cmd.outcome == "expire" and not due:
        raise HoldNotPending(
            "the hold is not due to expire yet", holdId=terms.hold_id, holdStatus=hold.status
        )
    if cmd.amount is not None and not 1 <= cmd.amount <= terms.amount:
        raise InvalidAmount(
            f"a capture is from 1 to the held {terms.amount} {terms.asset}",
            amount=cmd.amount,
            minimum=1,
            maximum=terms.amount,
        )
