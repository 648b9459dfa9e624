"""A what-if: the recorded demand replayed under a candidate catalog (DESIGN-NOTES.md, note 16).

Pure: a fold over the players' transfers in log order. Each purchase is bought again at the
price option it chose, priced from the candidate, and only if the player could have paid it
there; each use of an item grants what the candidate's `onUse` says, its drop rolls read as
recorded and re-weighted onto the candidate's table; everything else moves what it moved. Per
currency it sums what players spent (to the treasury's inflow) and were granted (out of the
treasury's shards), now and under the candidate; per item, what was bought and how many
purchases the candidate would have made unaffordable. It reads and never writes.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import msgspec

from domain import accounts
from domain.assets import Catalog, CatalogItem, OnUse
from domain.details import PurchaseDetails, UseDetails
from domain.events import Leg, Transferred

MAX_POINTS = 120  # the supply series is coarsened past this many points


class Pair(msgspec.Struct, frozen=True, kw_only=True):
    """A number as recorded (`now`) and under the candidate catalog."""

    now: int
    candidate: int


class CurrencyReport(msgspec.Struct, frozen=True, kw_only=True):
    """One currency: spent, granted and the net supply change (granted - spent)."""

    currency: str
    spent: Pair
    granted: Pair
    net_supply_change: Pair


class ItemReport(msgspec.Struct, frozen=True, kw_only=True):
    """One item: how many were bought, and how many purchases the candidate made unaffordable
    (or impossible: the item or its price option is gone)."""

    item: str
    bought: Pair
    unaffordable: int


class SupplyPoint(msgspec.Struct, frozen=True, kw_only=True):
    """The cumulative net supply change of a currency at a time, now and with the candidate."""

    at: datetime
    now: int
    candidate: int


class WhatIfReport(msgspec.Struct, frozen=True, kw_only=True):
    """The whole answer of a what-if."""

    transfers: int
    purchases: int
    uses: int
    currencies: list[CurrencyReport]
    items: list[ItemReport]
    supply: dict[str, list[SupplyPoint]]


def option_of(item: CatalogItem | None, details: PurchaseDetails) -> int:
    """Which price option a recorded purchase chose: the one whose price times the quantity is
    what it paid (the first option when its catalog no longer says)."""
    paid = details.paid or {}
    for index, option in enumerate(item.options() if item else ()):
        if {c: n * details.quantity for c, n in option.items()} == paid:
            return index
    return 0


def reweigh(roll: int, before: OnUse | None, after: OnUse) -> int:
    """The candidate's drop for a recorded roll: the roll's place in the old table's total
    weight, at the same place in the candidate's."""
    old, new = (before.total_weight if before else 0), after.total_weight
    if new <= 0:
        raise ValueError("the candidate's drop table weighs nothing")
    place = roll * new // old if old > 0 else 0
    return after.outcome(min(place, new - 1))


class _Series:
    """Cumulative points per currency, coarsened (halved) whenever it grows past MAX_POINTS."""

    def __init__(self) -> None:
        self.points: dict[str, list[SupplyPoint]] = {}

    def add(self, currency: str, at: datetime, now: int, candidate: int) -> None:
        points = self.points.setdefault(currency, [])
        if points and points[-1].at == at:
            points.pop()
        points.append(SupplyPoint(at=at, now=now, candidate=candidate))
        if len(points) > MAX_POINTS:  # every other point, and always the latest
            self.points[currency] = [*points[:-1:2], points[-1]]


class WhatIf:
    """The fold's state: feed it transfers in log order (`add`), then read `report()`."""

    def __init__(self, candidate: Catalog, catalogs: Mapping[int, Catalog]) -> None:
        self.candidate = candidate
        self.catalogs = catalogs
        self.wallets: dict[str, dict[str, int]] = {}  # the candidate's balances per player
        self.spent: dict[str, list[int]] = {}  # currency -> [now, candidate]
        self.granted: dict[str, list[int]] = {}
        self.bought: dict[str, list[int]] = {}  # item -> [now, candidate]
        self.unaffordable: dict[str, int] = {}
        self.counts = [0, 0, 0]  # transfers, purchases, uses
        self.series = _Series()

    def add(self, player_id: str, t: Transferred) -> None:
        """Fold one copy of a transfer from a player's stream."""
        account = accounts.player_account(player_id)
        wallet = self._wallet(player_id, t, account)
        cost: dict[str, int] | None = None  # what the candidate's purchase paid
        if isinstance(t.details, PurchaseDetails) and t.code == "purchase":
            cost = self._purchase(wallet, t.details)
        elif isinstance(t.details, UseDetails) and t.code == "item_use":
            self._use(wallet, t.details)
        else:
            _apply(wallet, [g for g in t.legs if g.account == account])
        if t.mirror:
            return  # its legs were counted with the first copy
        self.counts[0] += 1
        self._money(t.legs, 0)
        if cost is None:
            self._money(t.legs, 1)
        for currency, amount in (cost or {}).items():
            self.spent.setdefault(currency, [0, 0])[1] += amount
        for currency in {g.asset for g in t.legs if accounts.is_treasury(g.account)}:
            self._point(currency, t.occurred_at)

    def report(self) -> WhatIfReport:
        """The numbers so far."""
        currencies = sorted({*self.spent, *self.granted})
        return WhatIfReport(
            transfers=self.counts[0],
            purchases=self.counts[1],
            uses=self.counts[2],
            currencies=[self._currency(c) for c in currencies],
            items=[
                ItemReport(
                    item=code,
                    bought=Pair(now=n[0], candidate=n[1]),
                    unaffordable=self.unaffordable.get(code, 0),
                )
                for code, n in self.bought.items()
            ],
            supply=dict(self.series.points),
        )

    def _currency(self, code: str) -> CurrencyReport:
        spent, granted = self.spent.get(code, [0, 0]), self.granted.get(code, [0, 0])
        return CurrencyReport(
            currency=code,
            spent=Pair(now=spent[0], candidate=spent[1]),
            granted=Pair(now=granted[0], candidate=granted[1]),
            net_supply_change=Pair(now=granted[0] - spent[0], candidate=granted[1] - spent[1]),
        )

    def _wallet(self, player_id: str, t: Transferred, account: str) -> dict[str, int]:
        """The candidate's wallet; a player first seen starts where the record had them."""
        if player_id not in self.wallets:
            before = dict(t.state_after)
            _apply(
                before, [Leg(g.account, g.asset, -g.amount) for g in t.legs if g.account == account]
            )
            self.wallets[player_id] = before
        return self.wallets[player_id]

    def _purchase(self, wallet: dict[str, int], d: PurchaseDetails) -> dict[str, int]:
        self.counts[1] += 1
        bought = self.bought.setdefault(d.item, [0, 0])
        bought[0] += d.quantity
        item = self.candidate.find(d.item)
        recorded = self.catalogs.get(d.catalog_version or 0) or self.catalogs.get(0)
        index = option_of(recorded.find(d.item) if recorded else item, d)
        options = item.options() if item is not None and item.sellable else ()
        cost = (
            {c: n * d.quantity for c, n in options[index].items()} if index < len(options) else None
        )
        if item is None or cost is None or any(wallet.get(c, 0) < n for c, n in cost.items()):
            self.unaffordable[d.item] = self.unaffordable.get(d.item, 0) + 1
            return {}
        bought[1] += d.quantity
        legs = [Leg("", c, -n) for c, n in cost.items()]
        legs += [Leg("", code, n * d.quantity) for code, n in item.contents().items()]
        _apply(wallet, legs)
        return cost

    def _use(self, wallet: dict[str, int], d: UseDetails) -> None:
        self.counts[2] += 1
        item = self.candidate.find(d.item)
        if item is None or item.on_use is None or wallet.get(d.item, 0) < d.quantity:
            return  # nothing to use under the candidate
        legs = [Leg("", d.item, -d.quantity)]
        legs += [Leg("", code, n) for code, n in self._granted(item.on_use, d).items()]
        _apply(wallet, legs)

    def _granted(self, use: OnUse, d: UseDetails) -> dict[str, int]:
        if not use.drops:
            return {code: n * d.quantity for code, n in (use.grants or {}).items()}
        recorded = self.catalogs.get(d.catalog_version or 0) or self.catalogs.get(0)
        item = recorded.find(d.item) if recorded else None
        before = item.on_use if item else None
        granted: dict[str, int] = {}
        rolls = d.rolls or (0,) * d.quantity
        for roll in rolls:
            for code, n in use.drops[reweigh(roll, before, use)].grants.items():
                granted[code] = granted.get(code, 0) + n
        return granted

    def _money(self, legs: Iterable[Leg], which: int) -> None:
        """Shard debits are granted; inflow's moves are spent (a refund out of it, negative)."""
        for g in legs:
            if accounts.is_shard(g.account) and g.amount < 0:
                self.granted.setdefault(g.asset, [0, 0])[which] += -g.amount
            elif g.account == accounts.INFLOW:
                self.spent.setdefault(g.asset, [0, 0])[which] += g.amount

    def _point(self, currency: str, at: datetime) -> None:
        spent, granted = self.spent.get(currency, [0, 0]), self.granted.get(currency, [0, 0])
        self.series.add(currency, at, granted[0] - spent[0], granted[1] - spent[1])


def _apply(wallet: dict[str, int], legs: Iterable[Leg]) -> None:
    for g in legs:
        wallet[g.asset] = wallet.get(g.asset, 0) + g.amount


def epoch() -> datetime:
    """The earliest time a what-if can start from."""
    return datetime(1970, 1, 1, tzinfo=UTC)
