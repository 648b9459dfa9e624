"""Lots on the transfers a decision writes, and the expiry that gives expired lots back.

Every leg that credits or debits a player's account moves their lots, whatever command wrote
it (a purchase, a gift, a hold, a settlement, a reversal, a debt's repayment...). So no decide
function tracks lots: `with_lots` walks the decision once, after it is made, and puts on each
player transfer the lots its legs leave (`domain/lots.py` `moved`), from the lots the player
had before (which `domain.ledger.transfer` carried forward on `timed`). What a credit's
expiry is comes from the catalog and the command (`expiry_of`): the one thing a command adds.
"""

from collections.abc import Collection
from datetime import datetime

import msgspec

from domain import accounts, lots
from domain.assets import Catalog
from domain.commands import Command, Grant, Purchase, StoreCredit, TopUp, UseItem
from domain.details import ExpiryDetails
from domain.event_base import Event
from domain.events import Leg, Transferred
from domain.ledger import Append, Decision, PlayerState, player_append, transfer
from domain.shop_errors import NothingToExpire
from domain.timed import NO_TIMED


def expiry_of(catalog: Catalog, command: Command) -> lots.Expiry:
    """When the credits `command` makes expire: the catalog's currencies' own terms, a store
    product's `expiresAfterSeconds` over its currency's, an item's over whatever buying or
    using it credits, and a credit's own `expiresAt` over all."""
    after = {c.code: c.expires_after_seconds for c in catalog.currencies}
    match command:
        case Grant(expires_at=datetime() as when) | TopUp(expires_at=datetime() as when):
            return lots.Expiry(after=_some(after), at={command.currency: when})
        case StoreCredit():
            product = catalog.store_product(command.store, command.product_id)
            if product is not None and product.expires_after_seconds is not None:
                after[product.currency()[0]] = product.expires_after_seconds
        case Purchase() | UseItem():
            item = catalog.find(command.item)
            if item is not None and item.expires_after_seconds is not None:
                return lots.Expiry(after=_some(after), every=item.expires_after_seconds)
    return lots.Expiry(after=_some(after))


def _some(after: dict[str, int | None]) -> dict[str, int]:
    return {code: seconds for code, seconds in after.items() if seconds is not None}


def with_lots(decision: Decision, expiry: lots.Expiry) -> Decision:
    """The decision with each player transfer carrying the lots its legs leave."""
    appends = tuple(
        _append(append, expiry) if accounts.is_player(append.stream) else append
        for append in decision.appends
    )
    return msgspec.structs.replace(decision, appends=appends)


def _append(append: Append, expiry: lots.Expiry) -> Append:
    events: list[Event] = []
    held: dict[str, lots.Lots] | None = None  # after the append's previous transfer
    for event in append.events:
        if isinstance(event, Transferred):
            event = _moved(event, append.stream, expiry, held)
            held = (event.timed or NO_TIMED).lots
        events.append(event)
    return msgspec.structs.replace(append, events=tuple(events))


def _moved(
    event: Transferred, account: str, expiry: lots.Expiry, held: dict[str, lots.Lots] | None
) -> Transferred:
    timed = event.timed or NO_TIMED
    changes = [(leg.asset, leg.amount) for leg in event.legs if leg.account == account]
    start = timed.lots if held is None else held
    if (
        not start
        and not timed.lots
        and not any(expiry.of(a, event.occurred_at) for a, n in changes if n > 0)
    ):
        return event  # no lots before and none made: the common case, kept cheap (issue 22)
    before = dict(event.state_after)
    for asset, amount in changes:
        before[asset] = before.get(asset, 0) - amount
    after = lots.moved(start, before, changes, expiry, event.occurred_at)
    if after == timed.lots:
        return event
    timed = msgspec.structs.replace(timed, lots=after)
    return msgspec.structs.replace(event, timed=None if timed.empty() else timed)


def decide_expiry(
    player: PlayerState, *, currencies: Collection[str], transfer_id: str, now: datetime
) -> Decision:
    """The player's lots expired at `now` back where they came from, in one transfer of code
    `expiry`: a currency's to its treasury (its inflow, where purchases pay), an item's to its
    issuer. NothingToExpire when none is due."""
    expired = lots.due(player.timed.lots, now)
    if not expired:
        raise NothingToExpire("none of the player's lots has expired", playerId=player.player_id)
    account = accounts.player_account(player.player_id)
    legs: list[Leg] = []
    for asset, due in sorted(expired.items()):
        amount = lots.total(due)
        back = accounts.INFLOW if asset in currencies else accounts.issuer_account(asset)
        legs += [Leg(account, asset, -amount), Leg(back, asset, amount)]
    details = ExpiryDetails(expired=expired)
    made = transfer(player, legs, code="expiry", transfer_id=transfer_id, now=now, details=details)
    return Decision(appends=(player_append(player, made),))
