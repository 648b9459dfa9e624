"""Decisions on the shop: buying at one of an item's price options, and using items.

Pure functions: the catalog, ids, the clock and the drop-table draws come in as arguments.
Every currency leg, item leg and grant of one command is one balanced transfer.
"""

from datetime import datetime

import msgspec

from domain import accounts, energy_use, offers
from domain.assets import CURRENCY, MAX_AMOUNT, Catalog, CatalogItem
from domain.commands import EconomyRules, Purchase, UseItem
from domain.details import AnyDetails, PurchaseDetails, UseDetails
from domain.errors import check_range
from domain.events import Leg, TransferCode
from domain.ledger import Decision, PlayerState, player_append, transfer
from domain.shop_errors import (
    InvalidQuantity,
    ItemNotUsable,
    NotForSale,
    UnknownItem,
    UnknownPriceOption,
)
from domain.timed import TimedState
from domain.transfer_errors import InsufficientFunds
from domain.wording import amounts


def decide_purchase(
    player: PlayerState,
    cmd: Purchase,
    *,
    catalog: Catalog,
    transfer_id: str,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """The player pays every currency of the chosen price option to the treasury and receives
    the item (or a bundle's contents), in one transfer."""
    item = _item(catalog, cmd.item)
    _check_quantity(cmd.quantity, rules)
    if not item.sellable:
        raise NotForSale(f"the {item.name} is no longer sold", item=item.code)
    offers.check_window(item, now)
    counts = offers.counted(item, player.timed.offers, cmd.quantity, now)
    options = item.options()
    if not 0 <= cmd.price < len(options):
        raise UnknownPriceOption(
            f"the {item.name} has price options 0 to {len(options) - 1}",
            item=item.code,
            price=cmd.price,
            prices=list(options),
        )
    paid = {c: amount * cmd.quantity for c, amount in options[cmd.price].items()}
    names = {currency.code: currency.name for currency in catalog.currencies}
    spent, money = energy_use.split(paid, catalog)
    _check_funds(player, item, options[cmd.price], money, cmd.quantity, names)
    account = accounts.player_account(player.player_id)
    granted = {code: n * cmd.quantity for code, n in item.contents().items()}
    energy, things = energy_use.split(granted, catalog)
    done = energy_use.moves(player, catalog, now, spend=spent, credit=energy)
    legs = (
        *done.legs,
        *(leg for c, cost in money.items() for leg in _pay(account, c, cost)),
        *(leg for code, n in things.items() for leg in _issue(account, code, n)),
    )
    details = PurchaseDetails(
        item=item.code,
        quantity=cmd.quantity,
        catalog_version=catalog.version,
        paid=paid,
        granted=granted if item.grants else None,
    )
    timed = done.timed  # the energies it moved, then the offer's count
    if counts is not None:
        timed = msgspec.structs.replace(timed or player.timed, offers=counts)
    return _decision(player, legs, "purchase", transfer_id, now, details, timed)


def decide_use(
    player: PlayerState,
    cmd: UseItem,
    *,
    catalog: Catalog,
    rolls: tuple[int, ...],
    transfer_id: str,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """Burn the items back to their issuer and credit what `onUse` grants, in one transfer.

    With a drop table, `rolls` holds one CSPRNG draw in [0, total weight) per item used.
    """
    item = _item(catalog, cmd.item)
    use = item.on_use
    if use is None:
        raise ItemNotUsable(f"the {item.name} cannot be used", item=item.code)
    _check_quantity(cmd.quantity, rules)
    held = player.balance(item.code)
    if held < cmd.quantity:
        raise InsufficientFunds(
            f"using {cmd.quantity} {item.name} needs {cmd.quantity} but the player holds {held}",
            balance=held,
            item=item.code,
            quantity=cmd.quantity,
        )
    drops = tuple(use.outcome(roll) for roll in rolls) if use.drops else None
    granted: dict[str, int] = {}
    for grants in _outcomes(item, cmd.quantity, drops):
        for code, n in grants.items():
            granted[code] = granted.get(code, 0) + n
    account = accounts.player_account(player.player_id)
    energy, things = energy_use.split(granted, catalog)
    done = energy_use.moves(player, catalog, now, credit=energy)
    legs = (
        Leg(account, item.code, -cmd.quantity),
        Leg(accounts.issuer_account(item.code), item.code, cmd.quantity),
        *done.legs,
        *(leg for code, n in things.items() for leg in _issue(account, code, n)),
    )
    details = UseDetails(
        item=item.code,
        quantity=cmd.quantity,
        catalog_version=catalog.version,
        granted=granted,
        rolls=rolls if drops is not None else None,
        drops=drops,
    )
    return _decision(player, legs, "item_use", transfer_id, now, details, done.timed)


def _outcomes(
    item: CatalogItem, quantity: int, drops: tuple[int, ...] | None
) -> list[dict[str, int]]:
    use = item.on_use
    assert use is not None
    if drops is None:
        return [{code: n * quantity for code, n in (use.grants or {}).items()}]
    if len(drops) != quantity:
        raise ValueError("one roll per item used")
    table = use.drops or ()
    return [table[index].grants for index in drops]


def _item(catalog: Catalog, code: str) -> CatalogItem:
    item = catalog.find(code)
    if item is None:
        raise UnknownItem(
            f"there is no item '{code}'", item=code, available=list(catalog.item_codes())
        )
    return item


def _check_quantity(quantity: int, rules: EconomyRules) -> None:
    message = f"quantity must be an integer from 1 to {rules.max_quantity}"
    check_range(InvalidQuantity, message, "quantity", quantity, rules.max_quantity)


def _check_funds(
    player: PlayerState,
    item: CatalogItem,
    option: dict[str, int],
    paid: dict[str, int],
    quantity: int,
    names: dict[str, str],
) -> None:
    missing = {
        c: cost - player.balance(c)
        for c, cost in paid.items()
        if cost > MAX_AMOUNT or player.balance(c) < cost
    }
    if not missing:
        return
    if set(option) == {CURRENCY}:  # the message the game client has always shown
        cost, balance, price = paid[CURRENCY], player.balance(CURRENCY), option[CURRENCY]
        each = "" if quantity == 1 else f" each; {quantity} cost {cost}"
        raise InsufficientFunds(
            f"the {item.name} costs {price} diamonds{each} but the balance is {balance}",
            balance=balance,
            price=price,
            quantity=quantity,
            cost=cost,
            item=item.code,
        )
    prices = " + ".join(f"{n} {c}" for c, n in paid.items())
    raise InsufficientFunds(
        f"{quantity} {item.name} cost {prices}; short of {missing}",
        said=f"{quantity} {item.name} cost {amounts(paid, names)}: the wallet is "
        f"{amounts(missing, names)} short.",
        balance=player.balance(CURRENCY),
        price=dict(option),
        quantity=quantity,
        cost=paid,
        missing=missing,
        item=item.code,
    )


def _pay(account: str, currency: str, cost: int) -> tuple[Leg, Leg]:
    return Leg(account, currency, -cost), Leg(accounts.INFLOW, currency, cost)


def _issue(account: str, code: str, count: int) -> tuple[Leg, Leg]:
    return Leg(accounts.issuer_account(code), code, -count), Leg(account, code, count)


def _decision(
    player: PlayerState,
    legs: tuple[Leg, ...],
    code: TransferCode,
    transfer_id: str,
    now: datetime,
    details: AnyDetails,
    timed: TimedState | None,
) -> Decision:
    """One transfer, on the player's own stream alone (`timed`: see domain.ledger.transfer)."""
    made = transfer(
        player, legs, code=code, transfer_id=transfer_id, now=now, details=details, timed=timed
    )
    return Decision(appends=(player_append(player, made),))
