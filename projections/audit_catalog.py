"""The audit's catalog checks: each purchase paid one of its item's price options and each drop
roll landed where the catalog version the event names says (DESIGN-NOTES.md, note 11).

Prices and tables come from the catalog version recorded on the event, never today's catalog.
"""

from collections.abc import Mapping

from domain.assets import Catalog, CatalogItem
from domain.events import Transferred

Catalogs = Mapping[int, Catalog]  # catalog version -> the catalog applied as that version


def findings(ref: str, event: Transferred, catalogs: Catalogs) -> list[str]:
    """What is wrong with a purchase's price or an item use's outcomes (empty when right)."""
    if event.catalog_version is None or event.item is None:
        return []
    catalog = catalogs.get(event.catalog_version)
    if catalog is None:
        return [f"{ref}: names catalog version {event.catalog_version}, which is unknown"]
    item = catalog.find(event.item)
    if item is None:
        return [f"{ref}: item '{event.item}' is not in catalog version {catalog.version}"]
    if event.code == "purchase":
        return _paid(ref, event, item)
    if event.code == "item_use":
        return _outcomes(ref, event, item)
    return []


def _paid(ref: str, event: Transferred, item: CatalogItem) -> list[str]:
    quantity = event.quantity or 0
    options = [{c: n * quantity for c, n in option.items()} for option in item.options()]
    if event.paid not in options:
        return [f"{ref}: paid {event.paid}, not a price option of '{item.code}' x{quantity}"]
    return []


def _outcomes(ref: str, event: Transferred, item: CatalogItem) -> list[str]:
    use = item.on_use
    if use is None or not use.drops:
        return []
    rolls, drops = event.rolls or (), event.drops or ()
    if len(rolls) != (event.quantity or 0) or len(drops) != len(rolls):
        return [f"{ref}: {len(rolls)} rolls and {len(drops)} drops for {event.quantity} used"]
    found = []
    granted: dict[str, int] = {}
    for roll, drop in zip(rolls, drops, strict=True):
        if not 0 <= roll < use.total_weight or use.outcome(roll) != drop:
            found.append(f"{ref}: roll {roll} does not land on drop {drop} of '{item.code}'")
            continue
        for code, n in use.drops[drop].grants.items():
            granted[code] = granted.get(code, 0) + n
    if not found and granted != (event.granted or {}):
        found.append(f"{ref}: granted {event.granted}, its drops give {granted}")
    return found
