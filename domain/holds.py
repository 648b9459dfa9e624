"""Holds: two-phase transfers (DESIGN-NOTES.md, notes 8 and 14), a use of escrow
(domain/escrow.py). Placing opens the hold's escrow with the amount from the player's spendable
balance; capture, void and expiry each close it at version 2, so exactly one of them wins."""

from datetime import datetime, timedelta
from typing import Literal, cast

import msgspec

from domain import accounts, escrow
from domain.assets import Catalog
from domain.commands import CloseHold, EconomyRules, PlaceHold
from domain.details import HoldDetails
from domain.errors import check_range
from domain.escrow_errors import HoldNotPending, ReasonRequired, UnknownHold
from domain.escrow_events import HoldPlaced
from domain.event_base import Event
from domain.events import Leg, Transferred
from domain.ledger import Decision, PlayerState
from domain.ports import StoredEvent
from domain.transfer_errors import InsufficientFunds, InvalidAmount, UnknownAsset
from domain.wording import short_of

HoldStatus = Literal["pending", "captured", "voided", "expired"]
# Who acts on a hold: a game server (`service`), an operator (`admin`), or the ledger's own
# writer (`system`: the expirer, which expires every due hold whoever placed it).
Role = Literal["service", "admin", "system"]
PLACED_VERSION = escrow.OPENED_VERSION
USE = escrow.EscrowUse(
    noun="hold",
    open_status="pending",
    outcomes={
        "capture": ("hold_capture", "captured"),
        "void": ("hold_void", "voided"),
        "expire": ("hold_expiry", "expired"),
    },
    pays_out="capture",
    not_open=HoldNotPending,
    # a match settlement captures the whole hold into its pot
    also_closed_by={"settlement": "captured"},
)


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
    closed = escrow.outcome(USE, event)
    if closed is None or not isinstance(event, Transferred):
        return HoldState(placed=placed, version=version, status="pending")
    status = cast(HoldStatus, closed[0])
    captured = captured_by(placed.hold_id, event)
    return HoldState(
        placed=placed, version=version, status=status, captured=captured, closed_at=closed[1]
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
    return escrow.open_escrow(
        player,
        accounts.hold_account(hold_id),
        {cmd.asset: cmd.amount},
        placed,
        code="hold",
        transfer_id=transfer_id,
        details=HoldDetails(hold_id=hold_id, memo=cmd.memo),
        now=now,
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
            said=short_of("The hold is", cmd.asset, cmd.amount, balance, catalog),
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
    details = HoldDetails(hold_id=terms.hold_id, memo=terms.memo, reason=cmd.reason)
    return escrow.close_escrow(
        [(held, {terms.asset: terms.amount})],
        legs,
        code=USE.code(cmd.outcome),
        transfer_id=transfer_id,
        details=details,
        # the player's balances change only when something comes back
        mirrors=[(player, details)] if released else [],
        now=now,
    )


def _check_close(hold: HoldState, cmd: CloseHold, now: datetime) -> None:
    terms = hold.placed
    escrow.check_open(USE, terms.hold_id, hold.status, cmd.outcome, terms.expires_at, now)
    if cmd.amount is not None:
        message = f"a capture is from 1 to the held {terms.amount} {terms.asset}"
        check_range(InvalidAmount, message, "amount", cmd.amount, terms.amount)
