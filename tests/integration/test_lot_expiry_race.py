"""Currency that expires on a real database, in both write modes: an expiry and a purchase that
spends the same lot race through the player's expected version, and exactly one of them gets
it, round after round; the audit holds after."""

from collections import Counter
from datetime import timedelta

import asyncpg
import pytest

from domain import accounts
from domain.commands import EconomyRules, ExpireLots, Purchase, SignUp, TopUp
from domain.lots import Lots
from domain.shop_errors import NothingToExpire
from domain.transfer_errors import InsufficientFunds
from projections import lots
from projections.overdue import ReadModelOverdue
from projections.runner import catch_up
from service.expirer import expire_due
from service.job import Sender
from service.ledger import LedgerService
from service.pipeline import utc_now
from tests.catalogs import example_catalog
from tests.conftest import WRITE_MODES
from tests.integration.test_command_concurrency import race
from tests.integration.test_hold_concurrency import audited
from tests.ledgers import ledger_over

pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)

RULES = EconomyRules(genesis_supply=10_000_000, shard_count=4)
ROUNDS = 50
TOKEN = "event_token"
POUCH = 30  # a coin pouch's second price option, in tokens (catalog.json)


def ledger(pool: asyncpg.Pool, write_mode: str, ahead: float = 0) -> LedgerService:
    """A process's ledger over the example catalog; `ahead` s in the future (the expirer's)."""
    clock = lambda: utc_now() + timedelta(seconds=ahead)  # noqa: E731
    group = write_mode == "group commit"
    return ledger_over(pool, RULES, catalog=example_catalog(), group_commit=group, clock=clock)


async def tokens(pool: asyncpg.Pool, player: str) -> tuple[int, dict[str, Lots]]:
    async with pool.acquire() as conn:
        head = await conn.fetchval(
            "SELECT max(version) FROM events WHERE stream_id = $1", accounts.player_account(player)
        )
        held = await lots.at(conn, player, head)
        state = await conn.fetchval(
            "SELECT payload->'state_after'->>'event_token' FROM events"
            " WHERE stream_id = $1 AND version = $2",
            accounts.player_account(player),
            head,
        )
    return int(state or 0), held


async def test_an_expiry_and_a_purchase_of_the_same_lot_leave_exactly_one_outcome(
    pool: asyncpg.Pool, write_mode: str
) -> None:
    shop, expirer = ledger(pool, write_mode), ledger(pool, write_mode, ahead=3_600)
    won: Counter[str] = Counter()
    try:
        assert await shop.seed_genesis()
        signed = await shop.handle(SignUp(username="racer"), caller=Sender(password_hash="h"))
        player = signed.player_id
        for _ in range(ROUNDS):
            due = utc_now() + timedelta(seconds=60)
            await shop.handle(TopUp(player_id=player, amount=POUCH, currency=TOKEN, expires_at=due))
            spend = shop.handle(Purchase(player_id=player, item="coin_pouch", price=1))
            expire = expirer.handle(
                ExpireLots(player_id=player), caller=Sender("expirer", "system")
            )
            done, errors = await race([spend, expire])
            assert len(done) == 1, errors
            assert [type(e) for e in errors] in ([InsufficientFunds], [NothingToExpire])
            won["expired" if isinstance(errors[0], InsufficientFunds) else "bought"] += 1
            assert await tokens(pool, player) == (0, {})  # the lot is gone, one way only
    finally:
        await shop.close()
        await expirer.close()
    assert sum(won.values()) == ROUNDS
    await audited(pool)


async def test_the_expirer_finds_due_lots_in_the_read_model_and_expires_each_once(
    pool: asyncpg.Pool, write_mode: str
) -> None:
    shop = ledger(pool, write_mode)
    restarted = ledger(pool, write_mode, ahead=120)
    try:
        assert await shop.seed_genesis()
        signed = await shop.handle(SignUp(username="keeper"), caller=Sender(password_hash="h"))
        player = signed.player_id
        for seconds, amount in ((30, 7), (60, 11), (3_000, 13)):
            due = utc_now() + timedelta(seconds=seconds)
            await shop.handle(
                TopUp(player_id=player, amount=amount, currency=TOKEN, expires_at=due)
            )
        await shop.handle(
            TopUp(player_id=player, amount=5, currency=TOKEN)
        )  # a week: the catalog's
        await catch_up(pool)
        overdue = ReadModelOverdue(pool)
        assert await expire_due(overdue, restarted, utc_now() + timedelta(seconds=120)) == 1
        await catch_up(pool)
        assert await expire_due(overdue, restarted, utc_now() + timedelta(seconds=120)) == 0
        balance, held = await tokens(pool, player)
        assert (balance, [lot.amount for lot in held[TOKEN]]) == (18, [13, 5])
    finally:
        await shop.close()
        await restarted.close()
    await audited(pool)
