"""Assets and the catalog: currencies, items, their price options, bundles and what using an
item grants. Amounts are integers in minor units, never floats."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from domain.offers import Limit

CURRENCY = "diamond"
# PostgreSQL bigint: every stored amount and balance must fit.
MAX_AMOUNT = 2**63 - 1
MAX_PRICE = 10**12

AssetCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Count = Annotated[int, msgspec.Meta(gt=0, le=MAX_PRICE)]
# currency -> amount per unit (a price option), or item -> count per unit (grants)
Amounts = dict[AssetCode, Count]


# How long a credit of an expiring currency lasts (domain/lots.py), at most about 100 years.
Seconds = Annotated[int, msgspec.Meta(gt=0, le=3_155_760_000)]


class Currency(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={"expires_after_seconds": "expiresAfterSeconds"},
):
    """A currency: its own genesis supply, treasury shards, inflow and sweeper.

    `supply` may be left out for diamond only, which then takes GENESIS_SUPPLY. With
    `expires_after_seconds`, every credit of it is a lot that expires that long after it.
    """

    code: AssetCode
    name: str
    supply: Annotated[int, msgspec.Meta(gt=0, le=MAX_AMOUNT)] | None = None
    expires_after_seconds: Seconds | None = None

    def genesis_supply(self, default: int) -> int:
        """The supply genesis mints (`default`, GENESIS_SUPPLY, when the catalog gives none)."""
        return self.supply if self.supply is not None else default


class Drop(msgspec.Struct, frozen=True, kw_only=True):
    """One outcome of a drop table: its weight and what it grants."""

    weight: Annotated[int, msgspec.Meta(ge=0, le=MAX_PRICE)]
    grants: Amounts


class OnUse(msgspec.Struct, frozen=True, kw_only=True):
    """What using one item grants: fixed `grants`, or one outcome of the weighted `drops`."""

    grants: Amounts | None = None
    drops: tuple[Drop, ...] | None = None

    @property
    def total_weight(self) -> int:
        """The sum of the drop weights (0 without a drop table)."""
        return sum(drop.weight for drop in self.drops or ())

    def outcome(self, roll: int) -> int:
        """The drop a roll in [0, total_weight) lands on."""
        for index, drop in enumerate(self.drops or ()):
            if roll < drop.weight:
                return index
            roll -= drop.weight
        raise ValueError("the roll is outside the drop table")


# RFC 3339 with a zone (the catalog's checks require UTC)
Moment = Annotated[datetime, msgspec.Meta(tz=True)]
_ITEM_NAMES = {
    "on_use": "onUse",
    "expires_after_seconds": "expiresAfterSeconds",
    "available_from": "availableFrom",
    "available_until": "availableUntil",
}


class CatalogItem(msgspec.Struct, frozen=True, kw_only=True, rename=_ITEM_NAMES):
    """An item: its price options (`"price": 10` means `[{"diamond": 10}]`), the items a bundle
    grants instead of itself, what using it grants, and whether it is still sold; an offer's
    window (`availableFrom`, `availableUntil`) and `limit` per player (domain/offers.py). With
    `expires_after_seconds`, what its purchase or use credits expires that long after."""

    code: AssetCode
    name: str
    price: Count | None = None
    prices: tuple[Amounts, ...] = ()
    grants: Amounts = msgspec.field(default_factory=dict)
    on_use: OnUse | None = None
    sellable: bool = True
    expires_after_seconds: Seconds | None = None
    available_from: Moment | None = None
    available_until: Moment | None = None
    limit: Limit | None = None

    def options(self) -> tuple[dict[str, int], ...]:
        """The price options, each a mix of currencies per unit."""
        if self.prices:
            return self.prices
        return ({CURRENCY: self.price},) if self.price is not None else ()

    def contents(self) -> dict[str, int]:
        """What buying one credits: the bundle's grants, or the item itself."""
        return dict(self.grants) if self.grants else {self.code: 1}


class Energy(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={"refill_seconds": "refillSeconds", "overfill_max": "overfillMax"},
):
    """A regenerating asset (stamina): `refill` every `refill_seconds` up to `max`; rewards may
    take it up to `overfill_max` (domain/energies.py). A new player starts with `start`."""

    code: AssetCode
    name: str
    max: Count
    start: Annotated[int, msgspec.Meta(ge=0, le=MAX_PRICE)]
    refill: Count
    refill_seconds: Count
    overfill_max: Count | None = None

    @property
    def ceiling(self) -> int:
        """The most a player may hold: `overfillMax`, or `max` without one."""
        return self.overfill_max if self.overfill_max is not None else self.max


DIAMONDS = Currency(code=CURRENCY, name="Diamonds")
Store = Literal["apple", "google"]
STORES: tuple[Store, ...] = ("apple", "google")


class StoreProduct(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={"expires_after_seconds": "expiresAfterSeconds"},
):
    """What a verified store purchase of one product credits, and which stores sell it.

    `grants` names one currency of the catalog: it is paid from that currency's treasury.
    With `expires_after_seconds`, that credit expires that long after it.
    """

    grants: Amounts
    stores: tuple[Store, ...] = STORES
    expires_after_seconds: Seconds | None = None

    def currency(self) -> tuple[str, int]:
        """The currency granted and how much (validation keeps it to one)."""
        [(code, amount)] = self.grants.items()
        return code, amount


class Catalog(
    msgspec.Struct, frozen=True, kw_only=True, rename={"store_products": "storeProducts"}
):
    """The economy's currencies, items and store products: data, not code branches.

    `version` is the catalog stream's version it was applied as (0: the configured file).
    `store_products` maps a store's product id to what a verified receipt of it credits.
    """

    items: tuple[CatalogItem, ...]
    currencies: tuple[Currency, ...] = (DIAMONDS,)
    version: int = 0
    store_products: dict[str, StoreProduct] = msgspec.field(default_factory=dict)
    energies: tuple[Energy, ...] = ()

    def energy(self, code: str) -> Energy | None:
        """The energy with this code, or None."""
        return next((energy for energy in self.energies if energy.code == code), None)

    def energy_codes(self) -> tuple[str, ...]:
        """Every energy, in catalog order."""
        return tuple(energy.code for energy in self.energies)

    def store_product(self, store: str, product_id: str) -> StoreProduct | None:
        """The product a store sells under `product_id`, or None."""
        product = self.store_products.get(product_id)
        return product if product is not None and store in product.stores else None

    def find(self, code: str) -> CatalogItem | None:
        """The item with this code, or None."""
        return next((item for item in self.items if item.code == code), None)

    def currency_codes(self) -> tuple[str, ...]:
        """Every currency, diamond first."""
        return tuple(currency.code for currency in self.currencies)

    def item_codes(self) -> tuple[str, ...]:
        """Every item, in catalog order."""
        return tuple(item.code for item in self.items)

    def asset_codes(self) -> tuple[str, ...]:
        """Every asset the ledger knows: the currencies then the items."""
        return (*self.currency_codes(), *self.item_codes())

    def names(self) -> dict[str, str]:
        """Every asset's name by its code, for the sentences a person reads."""
        named = {currency.code: currency.name for currency in self.currencies}
        return named | {item.code: item.name for item in self.items}


DEFAULT_CATALOG = Catalog(
    items=(
        CatalogItem(code="gold_coin", name="Gold Coin", price=10),
        CatalogItem(code="treasure_box", name="Treasure Box", price=50),
    )
)
