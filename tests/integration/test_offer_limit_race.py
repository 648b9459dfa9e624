"""A limited offer at 50 concurrent buyers on a real database: the count lives in the player's
stream state, so the stream's expected version lets exactly one of 50 racing purchases of an
item limited to 1 per player through, round after round, in both write modes."""

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from domain import accounts
from domain.assets import Catalog, CatalogItem
from domain.commands import EconomyRules, Purchase, SignUp, TopUp
from domain.offers import Limit
from infra import eventstore
from projections.audit import run_audit, summary
from projections.runner import catch_up
from service.job import Sender
from service.ledger import LedgerService
from tests.conftest import WRITE_MODES
from tests.integration.test_command_concurrency import race
from tests.ledgers import ledger_over

pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)

ROUNDS, BUYERS = 50, 50
NOW = datetime(2026, 12, 9, 15, 30, tzinfo=UTC)  # one fixed instant: one window for every round
CATALOG = Catalog(
    items=(
        CatalogItem(code="gold_coin", name="Gold Coin", price=10),
        CatalogItem(
            code="founder_pack",
            name="Founder Pack",
            price=5,
            limit=Limit(per_player=1, window="week"),
        ),
    )
)


@pytest.fixture
async def shop(pool: asyncpg.Pool, write_mode: str) -> AsyncIterator[LedgerService]:
    rules = EconomyRules(shard_count=4)
    service = ledger_over(
        pool, rules, catalog=CATALOG, group_commit=write_mode == "group commit", clock=lambda: NOW
    )
    assert await service.seed_genesis()
    yield service
    await service.close()


async def test_50_racing_purchases_of_an_item_limited_to_1_sell_exactly_1_every_round(
    pool: asyncpg.Pool, shop: LedgerService
) -> None:
    for round_ in range(ROUNDS):
        signed = await shop.handle(
            SignUp(username=f"buyer{round_}"), caller=Sender(password_hash="hash")
        )
        player = signed.player_id
        await shop.handle(TopUp(player_id=player, amount=1_000))
        buy = Purchase(player_id=player, item="founder_pack")
        sold, errors = await race([shop.handle(buy) for _ in range(BUYERS)])
        # Exactly one outcome each: one sale and 49 refusals, never a conflict or a crash.
        assert len(sold) == 1, f"round {round_}: {len(sold)} sold"
        assert Counter(type(e).__name__ for e in errors) == {"PurchaseLimitReached": BUYERS - 1}
        async with pool.acquire() as conn:
            head = await eventstore.latest(conn, accounts.player_account(player))
        assert head is not None
        assert head.event.state_after == {"diamond": 995, "founder_pack": 1}  # type: ignore[union-attr]
        assert head.version == 3  # registration, top-up, the one purchase
    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn, catalogs={0: CATALOG})
    assert report.ok, summary(report)
