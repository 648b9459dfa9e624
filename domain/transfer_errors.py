"""The refusals of moving money: an amount that is not allowed or would overflow, funds or a
treasury that fall short, an unknown asset, a gift to oneself or over the daily limit, and a
transfer that is unknown, already reversed or cannot be reversed."""

from domain.errors import DomainError


class InvalidAmount(DomainError):
    slug = "invalid_amount"
    title = "The amount is not allowed"
    category = "invalid"


class InsufficientFunds(DomainError):
    slug = "insufficient_funds"
    title = "Not enough funds"


class UnknownTransfer(DomainError):
    slug = "unknown_transfer"
    title = "No such transfer"
    category = "not_found"


class AlreadyReversed(DomainError):
    slug = "already_reversed"
    title = "The transfer was already reversed"
    category = "conflict"


class NotReversible(DomainError):
    slug = "not_reversible"
    title = "This transfer cannot be reversed"


class AmountOverflow(DomainError):
    slug = "amount_overflow"
    title = "The result would exceed the largest amount the ledger stores"


class TreasuryDepleted(DomainError):
    slug = "treasury_depleted"
    title = "The treasury cannot fund this right now"


class SelfTransfer(DomainError):
    slug = "self_transfer"
    title = "A player cannot send to themselves"


class UnknownAsset(DomainError):
    slug = "unknown_asset"
    title = "No such asset"


class GiftLimitExceeded(DomainError):
    slug = "gift_limit_exceeded"
    title = "Over the daily gift limit"
