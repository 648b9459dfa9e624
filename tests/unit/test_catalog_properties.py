"""Conservation per currency over random catalogs and random command sequences.

Random catalogs (one to three currencies with their own supply, items priced in random mixes,
bundles, fixed and drop-table `onUse`, retired items) and random commands (top-ups in any
currency, purchases at any price option, item uses, sweeps of any currency with a lagging
projection) run through the real write side over the in-memory store. After every command,
for every currency: what its issuer minted equals its genesis supply, every asset sums to zero,
no account but an issuer is negative, and each shard's budget is its balance.
"""

import asyncio
import random
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain import accounts
from domain.assets import Catalog, CatalogItem, Currency, Drop, OnUse
from domain.catalog import problems
from domain.commands import EconomyRules, Purchase, SignUp, Sweep, TopUp, UseItem
from domain.errors import DomainError
from domain.events import TrancheChanged, Transferred
from domain.ledger import imbalances
from service.job import Sender
from tests.fakes import FakeEventStore, fake_ledger
from tests.invariants import fold

RULES = EconomyRules(shard_count=2, top_up_max=400, referral_bonus=0, max_quantity=5)
CURRENCIES = ("diamond", "star", "token")
Intent = tuple[Any, ...]


def amounts(codes: list[str], high: int) -> st.SearchStrategy[dict[str, int]]:
    return st.dictionaries(st.sampled_from(codes), st.integers(1, high), min_size=1, max_size=2)


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    codes = list(CURRENCIES[: draw(st.integers(1, 3))])
    currencies = tuple(
        Currency(code=c, name=c.title(), supply=draw(st.integers(1000, 20000))) for c in codes
    )
    names = [f"item{i}" for i in range(draw(st.integers(1, 4)))]
    drops = st.lists(
        st.builds(lambda w, g: Drop(weight=w, grants=g), st.integers(0, 5), amounts(names, 3)),
        min_size=1,
        max_size=3,
    ).filter(lambda table: sum(d.weight for d in table) > 0)
    on_use = st.none() | st.builds(lambda g: OnUse(grants=g), amounts(names, 3))
    on_use |= st.builds(lambda t: OnUse(drops=tuple(t)), drops)
    items = tuple(
        CatalogItem(
            code=name,
            name=name.title(),
            prices=tuple(draw(st.lists(amounts(codes, 60), min_size=1, max_size=3))),
            grants=draw(st.just({}) | amounts(names, 3)),
            on_use=draw(on_use),
            sellable=draw(st.sampled_from([True, True, True, False])),
        )
        for name in names
    )
    catalog = Catalog(items=items, currencies=currencies)
    assert problems(catalog) == []
    return catalog


intents = st.one_of(
    st.tuples(st.just("signup")),
    st.tuples(st.just("top_up"), st.integers(0, 9), st.integers(0, 2), st.integers(1, 450)),
    st.tuples(
        st.just("purchase"),
        st.integers(0, 9),
        st.integers(0, 4),
        st.integers(0, 1) | st.just(3),
        st.integers(1, 2) | st.just(6),
    ),
    st.tuples(st.just("use"), st.integers(0, 9), st.integers(0, 4), st.integers(1, 2)),
    st.tuples(st.just("buy_and_use"), st.integers(0, 9), st.integers(0, 4)),
    st.tuples(st.just("sweep"), st.integers(0, 2), st.integers(0, 6)),
)


class Economy:
    """One random catalog's ledger, and its players."""

    def __init__(self, catalog: Catalog, seed: int) -> None:
        self.catalog = catalog
        self.ledger, self.store = fake_ledger(RULES, catalog)
        self.ledger.ctx.roll = random.Random(seed).randrange  # reproducible draws
        self.players: list[str] = []

    async def run(self, intent: Intent) -> None:
        try:
            await self._run(intent)
        except DomainError as refused:
            event(f"{intent[0]}: {refused.slug}")  # a refusal writes nothing
        else:
            event(f"{intent[0]}: accepted")

    async def _run(self, intent: Intent) -> None:
        ledger, currencies = self.ledger, self.catalog.currency_codes()
        items = self.catalog.item_codes()
        match intent:
            case ("signup",):
                made = await ledger.handle(
                    SignUp(username=f"p{len(self.players)}x"), caller=Sender(password_hash="h")
                )
                self.players.append(made.player_id)
            case ("top_up", who, c, amount) if self.players:
                currency = currencies[c % len(currencies)]
                await ledger.handle(
                    TopUp(player_id=self.pick(who), amount=amount, currency=currency)
                )
            case ("purchase", who, i, price, quantity) if self.players:
                item = items[i % len(items)]
                cmd = Purchase(player_id=self.pick(who), item=item, price=price, quantity=quantity)
                await ledger.handle(cmd)
            case ("use", who, i, quantity) if self.players:
                cmd = UseItem(
                    player_id=self.pick(who), item=items[i % len(items)], quantity=quantity
                )
                await ledger.handle(cmd)
            case ("buy_and_use", who, i) if self.players:
                await self._run(("purchase", who, i, 0, 1))
                await self._run(("use", who, i, 1))
            case ("sweep", c, lag):
                currency = currencies[c % len(currencies)]
                await ledger.handle(
                    Sweep(inflow_credited=self.inflow_credited(currency, lag), currency=currency)
                )

    def pick(self, who: int) -> str:
        return self.players[who % len(self.players)]

    def inflow_credited(self, currency: str, lag: int) -> int:
        """What a projection lagging `lag` transfers behind has folded of inflow's credits."""
        transfers = self.store.transfers()
        seen = transfers[: max(0, len(transfers) - lag)]
        return sum(
            g.amount
            for t in seen
            if not t.mirror
            for g in t.legs
            if g.account == accounts.INFLOW and g.asset == currency and g.amount > 0
        )


def violations(store: FakeEventStore, catalog: Catalog) -> list[str]:
    transfers = store.transfers()
    found = [f"{t.transfer_id} sums {imbalances(t.legs)}" for t in transfers if imbalances(t.legs)]
    balances = fold(transfers)
    per_asset: dict[str, int] = defaultdict(int)
    for (account, asset), amount in balances.items():
        per_asset[asset] += amount
        if amount < 0 and not accounts.is_issuer(account):
            found.append(f"{account} holds {amount} {asset}")
    found += [f"{asset} sums to {n}" for asset, n in per_asset.items() if n]
    for currency in catalog.currencies:
        issued = -balances.get((accounts.issuer_account(currency.code), currency.code), 0)
        if issued != currency.supply:
            found.append(f"{issued} {currency.code} issued, its genesis was {currency.supply}")
        for index in range(RULES.shard_count):
            shard = accounts.shard_account(index, currency.code)
            head = store.head(shard)
            budget = (
                head.event.budget_after if head and isinstance(head.event, TrancheChanged) else 0
            )
            if budget != balances.get((shard, currency.code), 0) or budget < 0:
                found.append(
                    f"{shard}: budget {budget}, balance {balances.get((shard, currency.code))}"
                )
    return found


def carried_state_matches(store: FakeEventStore, players: list[str]) -> bool:
    balances = fold(store.transfers())
    for pid in players:
        account = accounts.player_account(pid)
        head = store.head(account)
        carried = head.event.state_after if head and isinstance(head.event, Transferred) else {}
        folded = {a: v for (acc, a), v in balances.items() if acc == account and v}
        if {a: v for a, v in carried.items() if v} != folded:
            return False
    return True


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog=catalogs(), steps=st.lists(intents, min_size=5, max_size=40), seed=st.integers())
def test_every_currency_is_conserved_whatever_the_catalog_and_commands(
    catalog: Catalog, steps: list[Intent], seed: int
) -> None:
    economy = Economy(catalog, seed)
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(economy.ledger.seed_genesis())
        funded = [("signup",), ("signup",)]
        funded += [("top_up", p, c, 400) for p in (0, 1) for c in range(3)]
        for intent in [*funded, *steps]:
            loop.run_until_complete(economy.run(intent))
            assert violations(economy.store, catalog) == [], intent
        assert carried_state_matches(economy.store, economy.players)
    finally:
        loop.close()
