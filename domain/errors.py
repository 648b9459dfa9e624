"""One error tree for every rule the ledger enforces; the API maps it to problem details."""

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol


class DomainError(Exception):
    """A request the ledger refuses, with a stable slug and a context for the caller.

    `detail` is the problem's detail, for the developer; `said`, when given, is the sentence a
    person reads (the problem's `error`) where the detail is not one, e.g. where it shows a
    mapping of codes. Without it, the detail itself is the sentence.
    """

    slug: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "The ledger refused the request"
    # invalid -> 400, auth -> 401, forbidden -> 403, not_found -> 404,
    # conflict -> 409, rule -> 422, locked -> 423 (a freeze), unavailable -> 503
    category: ClassVar[str] = "rule"

    def __init__(self, detail: str, *, said: str | None = None, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.said = said
        self.context = context


def listed(words: Iterable[str]) -> str:
    """Words as a person lists them: `a`, `a and b`, `a, b and c`."""
    *rest, last = list(words) or [""]
    return f"{', '.join(rest)} and {last}" if rest else last


def amounts(units: Mapping[str, int], names: Mapping[str, str]) -> str:
    """Amounts per asset code in words, each asset by its name where `names` has one:
    `{"diamond": 20, "star": 150}` -> `20 Diamonds and 150 Stars`."""
    return listed(f"{n} {names.get(code, code)}" for code, n in units.items())


class HasNames(Protocol):
    """What names assets for a person: the catalog."""

    def names(self) -> dict[str, str]: ...


class _NoNames:
    """Assets named by their codes (a decision made without the catalog)."""

    def names(self) -> dict[str, str]:
        return {}


NO_NAMES = _NoNames()


def short_of(what: str, asset: str, amount: int, balance: int, catalog: HasNames) -> str:
    """`The gift is 999 Stars, but the balance is 40 Stars.`, each asset by its catalog name."""
    names = catalog.names()
    need, have = amounts({asset: amount}, names), amounts({asset: balance}, names)
    return f"{what} {need}, but the balance is {have}."


def check_range(error: type[DomainError], message: str, name: str, value: int, top: int) -> None:
    """Refuse `value` (the request's `name`) with `error` unless it is from 1 to `top`."""
    if not 1 <= value <= top:
        context: dict[str, Any] = {name: value, "minimum": 1, "maximum": top}
        raise error(message, **context)


class InvalidAmount(DomainError):
    slug = "invalid_amount"
    title = "The amount is not allowed"
    category = "invalid"


class InvalidQuantity(DomainError):
    slug = "invalid_quantity"
    title = "The quantity is not allowed"
    category = "invalid"


class InvalidUsername(DomainError):
    slug = "invalid_username"
    title = "The username is not allowed"
    category = "invalid"


class InvalidPassword(DomainError):
    slug = "invalid_password"
    title = "The password is not allowed"
    category = "invalid"


class InsufficientFunds(DomainError):
    slug = "insufficient_funds"
    title = "Not enough funds"


class UnknownItem(DomainError):
    slug = "unknown_item"
    title = "No such item in the catalog"


class UnknownReferralCode(DomainError):
    slug = "unknown_referral_code"
    title = "No player has this referral code"


class UnknownPlayer(DomainError):
    slug = "unknown_player"
    title = "No such player"
    category = "not_found"


class UnknownTransfer(DomainError):
    slug = "unknown_transfer"
    title = "No such transfer"
    category = "not_found"


class UsernameTaken(DomainError):
    slug = "username_taken"
    title = "The username is taken"
    category = "conflict"


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


class StreamVersionConflict(DomainError):
    slug = "version_conflict"
    title = "Another write to the same stream won; try again"
    category = "conflict"


class IdempotencyKeyReused(DomainError):
    slug = "idempotency_key_reused"
    title = "The idempotency key was used with a different request"


class DuplicateIdempotencyKey(DomainError):
    slug = "duplicate_idempotency_key"
    title = "An atomic batch names the same idempotency key twice"


class InvalidText(DomainError):
    slug = "invalid_text"
    title = "The request has text that cannot be stored"
    category = "invalid"


class InvalidInput(DomainError):
    slug = "invalid_input"
    title = "The request has a value that cannot be stored"
    category = "invalid"


class InvalidWebhookUrl(DomainError):
    slug = "invalid_webhook_url"
    title = "Webhooks are only delivered to public http(s) addresses"
    category = "invalid"


class UnknownWebhook(DomainError):
    slug = "unknown_webhook"
    title = "No such webhook endpoint or delivery"
    category = "not_found"


class InvalidWebhookEvents(DomainError):
    slug = "invalid_webhook_events"
    title = "Unknown event keys for a webhook"
    category = "invalid"


class SelfTransfer(DomainError):
    slug = "self_transfer"
    title = "A player cannot send to themselves"


class UnknownAsset(DomainError):
    slug = "unknown_asset"
    title = "No such asset"


class GiftLimitExceeded(DomainError):
    slug = "gift_limit_exceeded"
    title = "Over the daily gift limit"


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


class InvalidMetadata(DomainError):
    slug = "invalid_metadata"
    title = "The metadata is not allowed"
    category = "invalid"


class UnknownVersion(DomainError):
    slug = "unknown_version"
    title = "The stream has no such version yet"
    category = "not_found"


class NotForSale(DomainError):
    slug = "item_not_for_sale"
    title = "The item is no longer sold"


class UnknownPriceOption(DomainError):
    slug = "unknown_price_option"
    title = "The item has no such price option"


class ItemNotUsable(DomainError):
    slug = "item_not_usable"
    title = "The item cannot be used"


class CatalogRefused(DomainError):
    slug = "catalog_refused"
    title = "The catalog change is refused"


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


class NotAPlayer(DomainError):
    slug = "not_a_player"
    title = "Service and admin accounts hold no wallet"


class RolesUnavailable(DomainError):
    # The answer a stale copy of the revocations gets too: the same 503, the same retry.
    slug = "database_unavailable"
    title = "The database is unavailable"
    category = "unavailable"


class InsufficientEnergy(DomainError):
    slug = "insufficient_energy"
    title = "Not enough energy"


class UnknownEnergy(DomainError):
    slug = "unknown_energy"
    title = "No such energy in the catalog"
    category = "not_found"


class NothingToExpire(DomainError):
    slug = "nothing_to_expire"
    title = "None of the player's lots has expired"
    category = "conflict"


class OfferNotAvailable(DomainError):
    slug = "offer_not_available"
    title = "The offer is not available now"


class PurchaseLimitReached(DomainError):
    slug = "purchase_limit_reached"
    title = "The purchase limit is reached"
