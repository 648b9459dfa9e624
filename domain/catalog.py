"""Catalog validation: what makes a catalog well-formed, and which changes to a running one are
refused. Pure: the caller passes in what players hold."""

from collections import Counter
from datetime import datetime

import msgspec

from domain import accounts, offers
from domain.assets import CURRENCY, Catalog, CatalogItem, Energy, StoreProduct
from domain.events import CatalogApplied
from domain.ledger import Append, Decision
from domain.shop_errors import CatalogRefused

RESERVED = frozenset({"inflow", "shard"})


def problems(catalog: Catalog) -> list[str]:
    """Every reason the catalog is not well-formed (empty when it is)."""
    found = _codes(catalog)
    currencies = set(catalog.currency_codes())
    energies = set(catalog.energy_codes())
    # An item may be priced in energy and may grant it (domain/energy_use.py).
    payable = currencies | energies
    items = set(catalog.item_codes()) | energies
    found += [p for energy in catalog.energies for p in _energy_problems(energy)]
    for currency in catalog.currencies:
        if currency.code != CURRENCY and currency.supply is None:
            found.append(f"currency '{currency.code}' needs a genesis supply")
        if currency.code in RESERVED:  # its treasury stream would be another account's name
            found.append(f"currency code '{currency.code}' is reserved")
    for item in catalog.items:
        found += _item_problems(item, payable, items)
    for product_id, product in catalog.store_products.items():
        found += _product_problems(product_id, product, currencies)
    return found


def _energy_problems(energy: Energy) -> list[str]:
    where = f"energy '{energy.code}'"
    found = []
    if energy.overfill_max is not None and energy.overfill_max < energy.max:
        found.append(f"{where}: overfillMax {energy.overfill_max} is below max {energy.max}")
    if energy.start > energy.ceiling:
        found.append(f"{where}: start {energy.start} is above {energy.ceiling}")
    if energy.code in RESERVED:
        found.append(f"energy code '{energy.code}' is reserved")
    return found


def _product_problems(product_id: str, product: StoreProduct, currencies: set[str]) -> list[str]:
    where = f"store product '{product_id}'"
    found = [
        f"{where}: '{code}' is not a currency" for code in product.grants if code not in currencies
    ]
    if len(product.grants) != 1:
        found.append(f"{where}: grants exactly one currency")
    if not product.stores:
        found.append(f"{where}: no store sells it")
    if not 1 <= len(product_id) <= 128:
        found.append(f"{where}: a product id is 1 to 128 characters")
    return found


def change_problems(old: Catalog, new: Catalog, held: dict[str, int]) -> list[str]:
    """Why replacing `old` with `new` is refused, given what players hold of each asset."""
    found = problems(new)
    for code in sorted(set(old.currency_codes()) - set(new.currency_codes())):
        if held.get(code, 0):
            found.append(f"currency '{code}' is removed while players hold {held[code]}")
    for code in sorted(set(old.energy_codes()) - set(new.energy_codes())):
        if held.get(code, 0):
            found.append(f"energy '{code}' is removed while players hold {held[code]}")
    for code in sorted(set(old.item_codes()) - set(new.item_codes())):
        if held.get(code, 0):
            found.append(
                f"item '{code}' is removed while players hold {held[code]}; "
                'retire it with "sellable": false'
            )
    found += _meanings(old, new)
    return found


def decide_apply(
    current: Catalog, new: Catalog, held: dict[str, int], *, now: datetime
) -> Decision:
    """Append `new` as the catalog stream's next version, or refuse it with every reason."""
    if found := change_problems(current, new, held):
        raise CatalogRefused(f"the catalog change is refused: {'; '.join(found)}", reasons=found)
    applied = msgspec.structs.replace(new, version=current.version + 1)
    event = CatalogApplied(catalog=applied, occurred_at=now)
    append = Append(stream=accounts.CATALOG_STREAM, expected=current.version, events=(event,))
    return Decision(appends=(append,))


def _codes(catalog: Catalog) -> list[str]:
    found = []
    counts = Counter((*catalog.asset_codes(), *catalog.energy_codes()))
    found += [f"code '{code}' is used {n} times" for code, n in counts.items() if n > 1]
    if CURRENCY not in catalog.currency_codes():
        found.append(f"the currencies must include '{CURRENCY}'")
    if not catalog.items:
        found.append("the catalog has no items")
    return found


def _item_problems(item: CatalogItem, currencies: set[str], items: set[str]) -> list[str]:
    where = f"item '{item.code}'"
    found = []
    if item.price is not None and item.prices:
        found.append(f'{where}: give "price" or "prices", not both')
    if item.sellable and not item.options():
        found.append(f"{where}: a sellable item needs a price")
    for index, option in enumerate(item.options()):
        if not option:
            found.append(f"{where}: price option {index} is empty")
        found += [
            f"{where}: price option {index} names '{code}', which is not a currency or energy"
            for code in option
            if code not in currencies
        ]
    found += _grants(f"{where} grants", item.grants, items)
    found += offers.problems(item)
    if item.on_use is not None:
        found += _on_use(item, items)
    return found


def _on_use(item: CatalogItem, items: set[str]) -> list[str]:
    where = f"item '{item.code}' onUse"
    use = item.on_use
    assert use is not None
    if (use.grants is None) == (use.drops is None):
        return [f'{where}: give "grants" or "drops", exactly one']
    if use.grants is not None:
        return _grants(f"{where} grants", use.grants, items, required=True)
    drops = use.drops or ()
    found = [] if drops else [f"{where}: the drop table is empty"]
    if drops and use.total_weight == 0:
        found.append(f"{where}: the drop weights sum to zero")
    for index, drop in enumerate(drops):
        found += _grants(f"{where} drop {index}", drop.grants, items)
    return found


def _grants(
    where: str, grants: dict[str, int], items: set[str], *, required: bool = False
) -> list[str]:
    found = [f"{where}: '{code}' is not an item" for code in grants if code not in items]
    if required and not grants:
        found.append(f"{where}: nothing is granted")
    return found


def _meanings(old: Catalog, new: Catalog) -> list[str]:
    """A code keeps its kind (currency or item) and its name: held balances keep their meaning."""
    before = {c.code: ("currency", c.name) for c in old.currencies}
    before |= {i.code: ("item", i.name) for i in old.items}
    before |= {e.code: ("energy", e.name) for e in old.energies}
    after = {c.code: ("currency", c.name) for c in new.currencies}
    after |= {i.code: ("item", i.name) for i in new.items}
    after |= {e.code: ("energy", e.name) for e in new.energies}
    return [
        f"code '{code}' was the {before[code][0]} '{before[code][1]}' and would become the "
        f"{after[code][0]} '{after[code][1]}'"
        for code in sorted(before.keys() & after.keys())
        if before[code] != after[code]
    ]
