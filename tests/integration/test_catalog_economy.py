"""The two-currency catalog over PostgreSQL: a mixed-price purchase is one balanced transfer, a
bundle credits its contents, a drop-table use replays to the same outcome, stars have their own
treasury and sweeper, and the audit holds for every currency."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from domain import accounts
from domain.commands import EconomyRules, Purchase, SignUp, TopUp, UseItem
from domain.ledger import imbalances
from domain.shop_errors import ItemNotUsable
from projections.audit import run_audit, summary
from projections.replay import replay
from projections.runner import catch_up
from service.job import Sender
from service.ledger import LedgerService
from service.sweeper import sweep_once
from tests.catalogs import example_catalog
from tests.integration.conftest import all_transfers
from tests.ledgers import ledger_over

CATALOG = example_catalog()


@pytest.fixture
async def shop(pool: asyncpg.Pool) -> AsyncIterator[LedgerService]:
    service = ledger_over(pool, EconomyRules(shard_count=4), catalog=CATALOG)
    assert await service.seed_genesis()
    yield service
    await service.close()


async def rich(shop: LedgerService, name: str) -> str:
    player = (
        await shop.handle(SignUp(username=name), caller=Sender(password_hash="hash"))
    ).player_id
    await shop.handle(TopUp(player_id=player, amount=1000))
    await shop.handle(TopUp(player_id=player, amount=2000, currency="star"))
    return player


async def test_a_mixed_price_purchase_is_exactly_one_balanced_transfer(
    pool: asyncpg.Pool, shop: LedgerService
) -> None:
    ann = await rich(shop, "ann")
    result = await shop.handle(Purchase(player_id=ann, item="treasure_box", price=2))
    assert result.balances == {"diamond": 980, "star": 1850, "treasure_box": 1}
    async with pool.acquire() as conn:
        mine = [t for t in await all_transfers(conn) if t.transfer_id == result.transfer_id]
    (transfer,) = mine  # one transfer, one stream: the treasury's credit is a leg of it
    assert imbalances(transfer.legs) == {}
    assert {(g.account, g.asset, g.amount) for g in transfer.legs if g.asset != "treasure_box"} == {
        (accounts.player_account(ann), "diamond", -20),
        (accounts.INFLOW, "diamond", 20),
        (accounts.player_account(ann), "star", -150),
        (accounts.INFLOW, "star", 150),
    }
    assert transfer.details.paid == {"diamond": 20, "star": 150}


async def test_a_bundle_credits_its_contents(shop: LedgerService) -> None:
    ben = await rich(shop, "ben")
    result = await shop.handle(Purchase(player_id=ben, item="starter_pack"))
    assert result.balances == {"diamond": 900, "star": 2000, "gold_coin": 10, "treasure_box": 1}


async def test_a_drop_table_use_replays_to_the_same_outcome(
    pool: asyncpg.Pool, shop: LedgerService
) -> None:
    cat = await rich(shop, "cat")
    await shop.handle(Purchase(player_id=cat, item="treasure_box", quantity=3))
    used = await shop.handle(UseItem(player_id=cat, item="treasure_box", quantity=3))
    assert sum(used.granted.values()) >= 3  # every drop grants at least one item
    async with pool.acquire() as conn:
        steps = await replay(conn, accounts.player_account(cat))
    last = steps[-1]
    assert last.event["rolls"] is not None
    assert len(last.event["drops"]) == 3
    assert last.event["granted"] == used.granted
    replayed = {k: v for k, v in last.state_after["balances"].items() if v}
    assert replayed == {k: v for k, v in used.balances.items() if v}


async def test_an_item_without_on_use_is_refused(shop: LedgerService) -> None:
    dan = await rich(shop, "dan")
    await shop.handle(Purchase(player_id=dan, item="gem"))
    with pytest.raises(ItemNotUsable):
        await shop.handle(UseItem(player_id=dan, item="gem"))


async def test_stars_are_swept_back_and_the_audit_holds_per_currency(
    pool: asyncpg.Pool, shop: LedgerService
) -> None:
    eve = await rich(shop, "eve")
    await shop.handle(Purchase(player_id=eve, item="gold_coin", price=1, quantity=5))
    await shop.handle(Purchase(player_id=eve, item="coin_pouch"))
    await shop.handle(UseItem(player_id=eve, item="coin_pouch"))
    await catch_up(pool)
    assert await sweep_once(pool, shop) == 400 + 50  # the star income, nothing in diamonds
    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn, catalogs={0: CATALOG})
        inflow = await conn.fetchval(
            "SELECT balance FROM rm_accounts WHERE account = $1 AND asset = 'star'",
            accounts.INFLOW,
        )
    assert report.ok, summary(report)
    assert inflow == 0
