"""The refusals of escrow's uses (domain/escrow.py): holds (unknown, no longer pending, closed
by an admin without a reason), trades (unknown, no longer open, acted on by someone not party to
them) and settlements of holds (of mixed assets, or paying out more than the pot)."""

from domain.errors import DomainError


class UnknownHold(DomainError):
    slug = "unknown_hold"
    title = "No such hold"
    category = "not_found"


class HoldNotPending(DomainError):
    slug = "hold_not_pending"
    title = "The hold is no longer pending"
    category = "conflict"


class ReasonRequired(DomainError):
    slug = "reason_required"
    title = "A reason is required"


class UnknownTrade(DomainError):
    slug = "unknown_trade"
    title = "No such trade"
    category = "not_found"


class TradeNotOpen(DomainError):
    slug = "trade_not_open"
    title = "The trade is no longer open"
    category = "conflict"


class NotTradeParty(DomainError):
    slug = "forbidden"
    title = "Only the other side of the trade may do that"
    category = "forbidden"


class MixedAssets(DomainError):
    slug = "mixed_assets"
    title = "The holds of a settlement are not all of one asset"


class PayoutsExceedPot(DomainError):
    slug = "payouts_exceed_pot"
    title = "The payouts are more than the pot"
