"""Trades: escrow, then one swap (DESIGN-NOTES.md, notes 9 and 14), a use of escrow
(domain/escrow.py). An offer opens the trade's escrow with what the offerer gives; accept,
decline, cancel and expiry each close it at version 2, so exactly one of them wins."""

from datetime import datetime, timedelta
from typing import Literal, cast

import msgspec

from domain import accounts, escrow
from domain.assets import Catalog
from domain.commands import CloseTrade, EconomyRules, OfferTrade
from domain.details import TradeDetails
from domain.escrow_errors import NotTradeParty, TradeNotOpen, UnknownTrade
from domain.escrow_events import TradeOffered
from domain.event_base import Event
from domain.ledger import Decision, PlayerState
from domain.ports import StoredEvent
from domain.transfer_errors import InsufficientFunds, InvalidAmount, SelfTransfer, UnknownAsset
from domain.wording import NO_NAMES, HasNames, short_of

TradeStatus = Literal["open", "accepted", "declined", "cancelled", "expired"]
OFFERED_VERSION = escrow.OPENED_VERSION
DEFAULT_SECONDS = 24 * 3600  # an offer without `expiresIn` stays open a day (or the maximum)
# Who may close a trade which way: the recipient answers, the offerer withdraws.
_ROLE = {"accept": "recipient", "decline": "recipient", "cancel": "offerer"}
USE = escrow.EscrowUse(
    noun="trade",
    open_status="open",
    outcomes={
        "accept": ("trade_accept", "accepted"),
        "decline": ("trade_decline", "declined"),
        "cancel": ("trade_cancel", "cancelled"),
        "expire": ("trade_expiry", "expired"),
    },
    pays_out="accept",
    not_open=TradeNotOpen,
)


class TradeState(msgspec.Struct, frozen=True, kw_only=True):
    """A trade's terms and where it stands."""

    offered: TradeOffered
    version: int
    status: TradeStatus
    closed_at: datetime | None = None


def trade_state(trade_id: str, first: StoredEvent | None, head: StoredEvent | None) -> TradeState:
    """A trade from its stream's first event (the terms) and newest (the outcome)."""
    if first is None or not isinstance(first.event, TradeOffered) or head is None:
        raise UnknownTrade("no such trade", tradeId=trade_id)
    return settled(first.event, head.version, head.event)


def settled(offered: TradeOffered, version: int, event: Event) -> TradeState:
    """The trade once `event` (its stream's newest, at `version`) is written."""
    closed = escrow.outcome(USE, event)
    if closed is None:
        return TradeState(offered=offered, version=version, status="open")
    status = cast(TradeStatus, closed[0])
    return TradeState(offered=offered, version=version, status=status, closed_at=closed[1])


def decide_offer_trade(
    offerer: PlayerState,
    recipient_id: str,
    cmd: OfferTrade,
    *,
    names: tuple[str, str],
    trade_id: str,
    transfer_id: str,
    catalog: Catalog,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """Escrow `cmd.give` from the offerer's spendable balance and open the trade's stream."""
    seconds = cmd.expires_in or min(DEFAULT_SECONDS, rules.hold_max_seconds)
    _check_offer(offerer, recipient_id, cmd, seconds, catalog, rules)
    offered = TradeOffered(
        trade_id=trade_id,
        transfer_id=transfer_id,
        offerer_id=offerer.player_id,
        offerer=names[0],
        recipient_id=recipient_id,
        recipient=names[1],
        give=dict(cmd.give),
        want=dict(cmd.want),
        expires_at=now + timedelta(seconds=seconds),
        occurred_at=now,
    )
    return escrow.open_escrow(
        offerer,
        accounts.trade_account(trade_id),
        cmd.give,
        offered,
        code="trade_offer",
        transfer_id=transfer_id,
        details=TradeDetails(trade_id=trade_id, counterparty=names[1]),
        now=now,
    )


def _check_offer(
    offerer: PlayerState,
    recipient_id: str,
    cmd: OfferTrade,
    seconds: int,
    catalog: Catalog,
    rules: EconomyRules,
) -> None:
    if offerer.player_id == recipient_id:
        raise SelfTransfer("a player cannot trade with themselves", to=cmd.to)
    if not cmd.give or not cmd.want:
        raise InvalidAmount("a trade gives and wants at least one asset")
    for asset, amount in (*cmd.give.items(), *cmd.want.items()):
        if asset not in catalog.asset_codes():
            raise UnknownAsset(
                f"there is no asset '{asset}'", asset=asset, available=catalog.asset_codes()
            )
        if amount < 1:
            raise InvalidAmount(f"the amount of {asset} must be at least 1", asset=asset)
    if not 1 <= seconds <= rules.hold_max_seconds:
        raise InvalidAmount(
            f"expiresIn must be from 1 to {rules.hold_max_seconds} seconds",
            expiresIn=seconds,
            maximum=rules.hold_max_seconds,
        )
    _check_funds(offerer, cmd.give, "the offer", catalog)


def _check_funds(
    player: PlayerState, amounts: dict[str, int], what: str, catalog: HasNames
) -> None:
    for asset in sorted(amounts):
        if (balance := player.balance(asset)) < amounts[asset]:
            raise InsufficientFunds(
                f"{what} needs {amounts[asset]} {asset} but the balance is {balance}",
                said=short_of(
                    f"{what.capitalize()} needs", asset, amounts[asset], balance, catalog
                ),
                balance=balance,
                asset=asset,
                amount=amounts[asset],
            )


def decide_close_trade(
    trade: TradeState,
    offerer: PlayerState,
    recipient: PlayerState | None,
    cmd: CloseTrade,
    *,
    transfer_id: str,
    now: datetime,
    names: HasNames = NO_NAMES,
) -> Decision:
    """Swap (accept: `recipient` is needed) or give the escrow back (decline, cancel, expire).

    `names`: the catalog, which names the assets in a refusal's sentence.
    """
    terms = trade.offered
    check_close(trade, cmd, now)
    held, mine = accounts.trade_account(terms.trade_id), accounts.player_account(terms.offerer_id)
    mirrors = [(offerer, TradeDetails(trade_id=terms.trade_id, counterparty=terms.recipient))]
    if cmd.outcome == "accept":
        assert recipient is not None, "an accept is decided on the recipient's state"
        _check_funds(recipient, terms.want, "accepting the trade", names)
        theirs = accounts.player_account(recipient.player_id)
        legs = escrow.moves(held, theirs, terms.give) + escrow.moves(theirs, mine, terms.want)
        mirrors.append(
            (recipient, TradeDetails(trade_id=terms.trade_id, counterparty=terms.offerer))
        )
    else:
        legs = escrow.moves(held, mine, terms.give)
    return escrow.close_escrow(
        [(held, terms.give)],
        legs,
        code=USE.code(cmd.outcome),
        transfer_id=transfer_id,
        details=TradeDetails(trade_id=terms.trade_id),
        mirrors=mirrors,
        now=now,
    )


def check_close(trade: TradeState, cmd: CloseTrade, now: datetime) -> None:
    """Refuse a close that is not the caller's to make, or comes after the trade closed."""
    terms = trade.offered
    if cmd.caller_id is None and cmd.outcome != "expire":
        raise NotTradeParty("only a player of the trade may close it", tradeId=terms.trade_id)
    if cmd.caller_id is not None:
        if cmd.caller_id not in (terms.offerer_id, terms.recipient_id):
            raise UnknownTrade("no such trade", tradeId=terms.trade_id)  # a stranger's: unseen
        role = "offerer" if cmd.caller_id == terms.offerer_id else "recipient"
        if _ROLE.get(cmd.outcome) != role:
            raise NotTradeParty(
                f"the {role} of a trade cannot {cmd.outcome} it",
                tradeId=terms.trade_id,
                outcome=cmd.outcome,
            )
    escrow.check_open(USE, terms.trade_id, trade.status, cmd.outcome, terms.expires_at, now)
