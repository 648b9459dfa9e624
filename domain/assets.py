"""Assets and the item catalog. Amounts are integers in minor units, never floats."""

from typing import Annotated

import msgspec

CURRENCY = "diamond"
# PostgreSQL bigint: every stored amount and balance must fit.
MAX_AMOUNT = 2**63 - 1

AssetCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class CatalogItem(msgspec.Struct, frozen=True, kw_only=True):
    """An item the shop sells for a price in the currency."""

    code: AssetCode
    name: str
    price: Annotated[int, msgspec.Meta(gt=0, le=10**12)]


class Catalog(msgspec.Struct, frozen=True, kw_only=True):
    """The shop's items: data, not code branches."""

    items: tuple[CatalogItem, ...]

    def find(self, code: str) -> CatalogItem | None:
        """The item with this code, or None."""
        return next((item for item in self.items if item.code == code), None)

    def asset_codes(self) -> tuple[str, ...]:
        """Every asset the ledger knows: the currency then the items."""
        return (CURRENCY, *(item.code for item in self.items))


DEFAULT_CATALOG = Catalog(
    items=(
        CatalogItem(code="gold_coin", name="Gold Coin", price=10),
        CatalogItem(code="treasure_box", name="Treasure Box", price=50),
    )
)
