"""The audit's catalog checks: each purchase paid one of its item's price options and each drop
roll landed where the catalog version the event names says (DESIGN-NOTES.md, note 11).

Prices and tables come from the catalog version recorded on the event, never today's catalog.
"""

from collections.abc import Mapping

from domain.assets import Catalog, CatalogItem
from domain.details import PurchaseDetails, UseDetails
from domain.events import Transferred

Catalogs = Mapping[int, Catalog]  # catalog version -> the catalog applied as that version


def findings(ref: str, event: Transferred, catalogs: Catalogs) -> list[str]:
    """What is wrong with a purchase's price or an item use's outcomes (empty when right)."""
    details = event.details
    if not isinstance(details, PurchaseDetails | UseDetails) or details.catalog_version is None:
        return []
    catalog = catalogs.get(details.catalog_version)
    if catalog is None:
        return [f"{ref}: names catalog version {details.catalog_version}, which is unknown"]
    item = catalog.find(details.item)
    if item is None:
        return [f"{ref}: item '{details.item}' is not in catalog version {catalog.version}"]
    if isinstance(details, PurchaseDetails):
        return _paid(ref, details, item)
    return _outcomes(ref, details, item)


def _paid(ref: str, details: PurchaseDetails, item: CatalogItem) -> list[str]:
    quantity = details.quantity
    options = [{c: n * quantity for c, n in option.items()} for option in item.options()]
    if details.paid not in options:
        return [f"{ref}: paid {details.paid}, not a price option of '{item.code}' x{quantity}"]
    return []


def _outcomes(ref: str, details: UseDetails, item: CatalogItem) -> list[str]:
    use = item.on_use
    if use is None or not use.drops:
        return []
    rolls, drops = details.rolls or (), details.drops or ()
    if len(rolls) != details.quantity or len(drops) != len(rolls):
        return [f"{ref}: {len(rolls)} rolls and {len(drops)} drops for {details.quantity} used"]
    found = []
    granted: dict[str, int] = {}
    for roll, drop in zip(rolls, drops, strict=True):
        if not 0 <= roll < use.total_weight or use.outcome(roll) != drop:
            found.append(f"{ref}: roll {roll} does not land on drop {drop} of '{item.code}'")
            continue
        for code, n in use.drops[drop].grants.items():
            granted[code] = granted.get(code, 0) + n
    if not found and granted != (details.granted or {}):
        found.append(f"{ref}: granted {details.granted}, its drops give {granted}")
    return found
