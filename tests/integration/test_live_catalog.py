"""A catalog applied while running: every process picks it up without a restart, purchases
before and after it pay their own catalog version's price, new currencies get their genesis,
and refused changes say why."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest

from domain.assets import Catalog, Currency
from domain.commands import EconomyRules, Purchase, SignUp, TopUp
from domain.shop_errors import CatalogRefused
from infra import catalog_store
from infra.config import Settings
from infra.follower import connector
from projections.audit import run_audit, summary
from projections.runner import catch_up
from service.catalog import apply_catalog
from service.job import Sender
from service.ledger import LedgerService
from tests.catalogs import example_catalog
from tests.integration.conftest import all_transfers
from tests.ledgers import ledger_over

CATALOG = example_catalog()
RULES = EconomyRules(shard_count=4)


def repriced(catalog: Catalog, code: str, diamonds: int) -> Catalog:
    items = tuple(
        msgspec.structs.replace(i, price=diamonds, prices=()) if i.code == code else i
        for i in catalog.items
    )
    return msgspec.structs.replace(catalog, items=items)


@pytest.fixture
async def shops(pool: asyncpg.Pool) -> AsyncIterator[tuple[LedgerService, LedgerService]]:
    """Two processes' write sides over one database: `a` applies, `b` only follows."""
    a = ledger_over(pool, RULES, catalog=CATALOG)  # two processes: one ledger each
    b = ledger_over(pool, RULES, catalog=CATALOG)
    assert await a.seed_genesis()
    yield a, b
    await a.close()
    await b.close()


async def player(shop: LedgerService, name: str) -> str:
    pid = (await shop.handle(SignUp(username=name), caller=Sender(password_hash="hash"))).player_id
    await shop.handle(TopUp(player_id=pid, amount=10_000))
    await shop.handle(TopUp(player_id=pid, amount=1_000, currency="star"))
    return pid


async def test_purchases_before_and_after_a_change_pay_their_own_price(
    pool: asyncpg.Pool, db_dsn: str, settings: Settings, shops: tuple[LedgerService, ...]
) -> None:
    a, b = shops
    follower = catalog_store.CatalogFollower(connector(db_dsn, settings), b.use_catalog)
    await follower.start()
    try:
        buyer = await player(b, "buyer")
        bought: list[str] = []
        stop, progress = asyncio.Event(), asyncio.Event()

        async def traffic() -> None:
            while not stop.is_set():
                done = await b.handle(Purchase(player_id=buyer, item="gold_coin"))
                bought.append(done.transfer_id)
                progress.set()
                await asyncio.sleep(0.01)

        async def until(count: int) -> None:
            while len(bought) < count:
                progress.clear()
                await progress.wait()

        running = asyncio.create_task(traffic())
        await until(5)
        applied = await apply_catalog(a, repriced(CATALOG, "gold_coin", 15), actor="test")
        assert applied.version == 1
        for _ in range(500):  # the follower hears the NOTIFY (or polls) well within this
            if b.catalog.version == 1:
                break
            await asyncio.sleep(0.01)
        assert b.catalog.version == 1, "process b never picked up the new catalog"
        await until(len(bought) + 5)
        stop.set()
        await running
    finally:
        await follower.stop()
    async with pool.acquire() as conn:
        purchases = [t for t in await all_transfers(conn) if t.transfer_id in set(bought)]
        await catch_up(pool)
        report = await run_audit(conn, catalogs=await catalog_store.versions(conn, CATALOG))
    prices = {
        (t.details.catalog_version, t.details.paid["diamond"]) for t in purchases if t.details.paid
    }
    assert prices == {(0, 10), (1, 15)}  # each purchase paid its own version's price
    assert report.ok, summary(report)


async def test_a_new_currency_gets_its_genesis_when_first_applied(
    shops: tuple[LedgerService, ...],
) -> None:
    a, _ = shops
    token = Currency(code="token", name="Event Tokens", supply=1_000)
    new = msgspec.structs.replace(CATALOG, currencies=(*CATALOG.currencies, token))
    applied = await apply_catalog(a, new, actor="test")
    assert applied.seeded == ["token"]
    pid = await player(a, "tokens")
    result = await a.handle(TopUp(player_id=pid, amount=7, currency="token"))
    assert result.balances["token"] == 7


async def test_removing_a_held_currency_is_refused_with_the_reason(
    pool: asyncpg.Pool, shops: tuple[LedgerService, ...]
) -> None:
    a, _ = shops
    await player(a, "holder")
    await catch_up(pool)
    doc = msgspec.to_builtins(CATALOG)
    doc["currencies"] = [c for c in doc["currencies"] if c["code"] != "star"]
    for item in doc["items"]:
        if item["prices"]:
            item["prices"] = [p for p in item["prices"] if "star" not in p] or [{"diamond": 5}]
    products = doc["storeProducts"].items()
    doc["storeProducts"] = {k: v for k, v in products if "star" not in v["grants"]}
    with pytest.raises(CatalogRefused) as refused:
        await apply_catalog(a, msgspec.convert(doc, Catalog), actor="test")
    assert refused.value.context["reasons"] == [
        "currency 'star' is removed while players hold 1000"
    ]
    assert a.catalog.version == 0
