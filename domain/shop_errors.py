"""The refusals of the shop and its catalog: an item that is unknown, no longer sold, without
that price option or not usable, a refused catalog change, energies, lots with nothing to expire,
and offers that are not available or whose purchase limit is reached."""

from domain.errors import DomainError


class InvalidQuantity(DomainError):
    slug = "invalid_quantity"
    title = "The quantity is not allowed"
    category = "invalid"


class UnknownItem(DomainError):
    slug = "unknown_item"
    title = "No such item in the catalog"


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
