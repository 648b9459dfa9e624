"""A what-if on the example catalog (catalog.json) with gold coins at twice the price: its
numbers match the hand computation below, and it writes nothing."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import msgspec
import pytest

from cli.main import build_parser
from domain.assets import Catalog, CatalogItem
from domain.commands import EconomyRules, Purchase, SignUp, TopUp, UseItem
from domain.whatif import Pair
from infra.catalog import load_catalog
from infra.config import load_settings
from projections.whatif import what_if
from service.job import Sender
from service.ledger import LedgerService
from tests.ledgers import ledger_over

EXAMPLE = load_catalog(str(Path(__file__).parents[2] / "catalog.json"))


def doubled(catalog: Catalog, code: str) -> Catalog:
    """The catalog with every price option of `code` at twice its price."""

    def twice(item: CatalogItem) -> CatalogItem:
        if item.code != code:
            return item
        prices = tuple({c: 2 * n for c, n in option.items()} for option in item.options())
        return msgspec.structs.replace(item, price=None, prices=prices)

    return msgspec.structs.replace(catalog, items=tuple(twice(i) for i in catalog.items))


@pytest.fixture
async def example(pool: asyncpg.Pool) -> AsyncIterator[LedgerService]:
    service = ledger_over(pool, EconomyRules(shard_count=4), catalog=EXAMPLE)
    await service.seed_genesis()
    yield service
    await service.close()


async def player(ledger: LedgerService, name: str, diamonds: int) -> str:
    made = await ledger.handle(SignUp(username=name), caller=Sender(password_hash="h"))
    await ledger.handle(TopUp(player_id=made.player_id, amount=diamonds))
    return str(made.player_id)


async def test_a_doubled_price_matches_the_hand_computation(
    example: LedgerService, pool: asyncpg.Pool
) -> None:
    ann = await player(example, "ann", 100)
    bob = await player(example, "bob", 50)
    await example.handle(Purchase(player_id=ann, item="gold_coin", quantity=3))  # 30
    await example.handle(Purchase(player_id=ann, item="gold_coin", quantity=5))  # 50
    await example.handle(Purchase(player_id=bob, item="treasure_box"))  # 50
    await example.handle(UseItem(player_id=bob, item="treasure_box"))
    async with pool.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM events")
        report = await what_if(conn, doubled(EXAMPLE, "gold_coin"), {0: EXAMPLE})
        assert await conn.fetchval("SELECT count(*) FROM events") == before

    # By hand. Granted: the top-ups, 100 + 50, the same under both catalogs.
    # Now: ann pays 30 + 50 for 8 coins, bob 50 for the box: 130 spent, net +20.
    # Doubled: ann's 3 coins cost 60 (40 left), her 5 would cost 100 > 40: unaffordable;
    # bob's box is unchanged: 110 spent, net +40.
    [diamond] = report.currencies
    assert diamond.currency == "diamond"
    assert diamond.granted == Pair(now=150, candidate=150)
    assert diamond.spent == Pair(now=130, candidate=110)
    assert diamond.net_supply_change == Pair(now=20, candidate=40)
    items = {i.item: (i.bought, i.unaffordable) for i in report.items}
    assert items == {
        "gold_coin": (Pair(now=8, candidate=3), 1),
        "treasure_box": (Pair(now=1, candidate=1), 0),
    }
    assert (report.transfers, report.purchases, report.uses) == (6, 3, 1)
    last = report.supply["diamond"][-1]
    assert (last.now, last.candidate) == (20, 40)


async def test_only_the_window_is_replayed(example: LedgerService, pool: asyncpg.Pool) -> None:
    ann = await player(example, "ann", 100)
    await example.handle(Purchase(player_id=ann, item="gold_coin", quantity=3))
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT (payload->>'occurred_at')::timestamptz AS at FROM events"
            " WHERE payload->>'code' = 'purchase'"
        )
        report = await what_if(conn, doubled(EXAMPLE, "gold_coin"), {0: EXAMPLE}, start=row["at"])
    # the top-up is before the window: ann starts it with the 100 the record gave her
    [diamond] = report.currencies
    assert diamond.granted == Pair(now=0, candidate=0)
    assert diamond.spent == Pair(now=30, candidate=60)


async def test_the_command_line_writes_one_self_contained_page(
    example: LedgerService,
    db_dsn: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ann = await player(example, "ann", 100)
    await example.handle(Purchase(player_id=ann, item="gold_coin", quantity=3))
    candidate, page = tmp_path / "new.json", tmp_path / "report.html"
    candidate.write_bytes(msgspec.json.encode(doubled(EXAMPLE, "gold_coin")))
    args = build_parser().parse_args(["whatif", "--catalog", str(candidate), "--html", str(page)])
    args.settings = load_settings({"CATALOG_FILE": str(Path(__file__).parents[2] / "catalog.json")})
    assert await args.func(args, db_dsn) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["currencies"][0]["spent"] == {"now": 30, "candidate": 60}
    html = page.read_text()
    assert "<svg" in html
    assert "<polyline" in html
    assert "<script" not in html
    assert "http" not in html.replace("http-equiv", "")


async def test_the_command_line_refuses_a_bad_catalog_in_one_line(
    db_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"items": "none"}')
    args = build_parser().parse_args(["whatif", "--catalog", str(broken)])
    args.settings = load_settings({})
    assert await args.func(args, db_dsn) == 2
    err = capsys.readouterr().err
    assert err.startswith("gameledger: the catalog is refused")
    assert err.count("\n") == 1
