"""Trades: escrow, then one swap (DESIGN-NOTES.md, note 9). An offer moves what the offerer gives
into the trade's account and opens its stream at version 1; accept, decline, cancel and expiry
each append the trade's version 2, so the stream's unique (stream, version) key lets exactly one
of them win."""

from datetime import datetime, timedelta
from typing import Literal

import msgspec

from domain import accounts
from domain.assets import Catalog
from domain.commands import CloseTrade, EconomyRules, OfferTrade
from domain.details import TradeDetails
from domain.errors import (
    InsufficientFunds,
    InvalidAmount,
    NotTradeParty,
    SelfTransfer,
    TradeNotOpen,
    UnknownAsset,
    UnknownTrade,
)
from domain.events import Event, Leg, TradeOffered, TransferCode, Transferred
from domain.ledger import NO_STREAM, Append, Decision, PlayerState, apply_legs
from domain.ports import StoredEvent

TradeStatus = Literal["open", "accepted", "declined", "cancelled", "expired"]
OFFERED_VERSION = 1
DEFAULT_SECONDS = 24 * 3600  # an offer without `expiresIn` stays open a day (or the maximum)
CLOSE_CODES: dict[str, TransferCode] = {
    "accept": "trade_accept",
    "decline": "trade_decline",
    "cancel": "trade_cancel",
    "expire": "trade_expiry",
}
STATUS_OF_CODE: dict[str, TradeStatus] = {
    "trade_accept": "accepted",
    "trade_decline": "declined",
    "trade_cancel": "cancelled",
    "trade_expiry": "expired",
}
# Who may close a trade which way: the recipient answers, the offerer withdraws.
_ROLE = {"accept": "recipient", "decline": "recipient", "cancel": "offerer"}


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
    if not isinstance(event, Transferred) or event.code not in STATUS_OF_CODE:
        return TradeState(offered=offered, version=version, status="open")
    status = STATUS_OF_CODE[event.code]
    return TradeState(offered=offered, version=version, status=status, closed_at=event.occurred_at)


def escrow_legs(source: str, target: str, amounts: dict[str, int]) -> list[Leg]:
    """`amounts` from `source` to `target`, one pair of legs per asset (in a stable order)."""
    legs = []
    for asset in sorted(amounts):
        legs += [Leg(source, asset, -amounts[asset]), Leg(target, asset, amounts[asset])]
    return legs


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
    mine, escrow = accounts.player_account(offerer.player_id), accounts.trade_account(trade_id)
    legs = escrow_legs(mine, escrow, cmd.give)
    transfer = Transferred(
        transfer_id=transfer_id,
        code="trade_offer",
        legs=tuple(legs),
        state_after=apply_legs(offerer.balances, legs, mine),
        occurred_at=now,
        details=TradeDetails(trade_id=trade_id, counterparty=names[1]),
    )
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
    return Decision(
        appends=(
            Append(stream=mine, expected=offerer.version, events=(transfer,)),
            Append(stream=escrow, expected=NO_STREAM, events=(offered,)),
        )
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
    _check_funds(offerer, cmd.give, "the offer")


def _check_funds(player: PlayerState, amounts: dict[str, int], what: str) -> None:
    for asset in sorted(amounts):
        if (balance := player.balance(asset)) < amounts[asset]:
            raise InsufficientFunds(
                f"{what} needs {amounts[asset]} {asset} but the balance is {balance}",
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
) -> Decision:
    """Swap (accept: `recipient` is needed) or give the escrow back (decline, cancel, expire)."""
    terms = trade.offered
    check_close(trade, cmd, now)
    escrow = accounts.trade_account(terms.trade_id)
    mine = accounts.player_account(terms.offerer_id)
    if cmd.outcome == "accept":
        assert recipient is not None, "an accept is decided on the recipient's state"
        _check_funds(recipient, terms.want, "accepting the trade")
        theirs = accounts.player_account(recipient.player_id)
        legs = escrow_legs(escrow, theirs, terms.give) + escrow_legs(theirs, mine, terms.want)
    else:
        legs = escrow_legs(escrow, mine, terms.give)

    def copy(stream: str, state: PlayerState | None, counterparty: str | None) -> Append:
        balances = state.balances if state else terms.give
        event = Transferred(
            transfer_id=transfer_id,
            code=CLOSE_CODES[cmd.outcome],
            legs=tuple(legs),
            state_after=apply_legs(balances, legs, stream),
            occurred_at=now,
            mirror=state is not None,  # the trade's own copy posts the legs
            details=TradeDetails(trade_id=terms.trade_id, counterparty=counterparty),
        )
        expected = state.version if state else OFFERED_VERSION
        return Append(stream=stream, expected=expected, events=(event,))

    appends = [copy(escrow, None, None), copy(mine, offerer, terms.recipient)]
    if cmd.outcome == "accept" and recipient is not None:
        appends.append(copy(accounts.player_account(recipient.player_id), recipient, terms.offerer))
    return Decision(appends=tuple(appends))


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
    if trade.status != "open":
        raise TradeNotOpen(
            f"the trade is {trade.status}, no longer open",
            tradeId=terms.trade_id,
            tradeStatus=trade.status,
        )
    due = now >= terms.expires_at
    if cmd.outcome == "accept" and due:
        raise TradeNotOpen(
            "the trade has expired and can no longer be accepted",
            tradeId=terms.trade_id,
            tradeStatus="expired",
        )
    if cmd.outcome == "expire" and not due:
        raise TradeNotOpen(
            "the trade is not due to expire yet", tradeId=terms.trade_id, tradeStatus=trade.status
        )
