"""Idempotency keys: a retry returns the original result, whatever happened to the first reply."""

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY, DEFAULT_CATALOG
from domain.commands import Purchase, SignUp, TopUp
from domain.errors import IdempotencyKeyReused
from infra import eventstore
from infra.config import Settings
from service.bootstrap import bootstrap
from service.job import Sender
from service.ledger import LedgerService
from service.results import TransferResult
from service.sweeper import purge_keys
from tests.conftest import WRITE_MODES
from tests.integration.conftest import Audit, WalletFactory

# Both ways the pipeline writes must pass the same races.
pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)


async def stream_length(pool: asyncpg.Pool, player_id: str) -> int:
    async with pool.acquire() as conn:
        return len(await eventstore.read_stream(conn, accounts.player_account(player_id)))


def lossy(ledger: LedgerService) -> LedgerService:
    """The same ledger, but the caller never hears back from the first command that commits."""
    lost = [False]

    def drop_the_reply() -> None:
        if not lost[0]:
            lost[0] = True
            raise ConnectionResetError("connection reset after COMMIT")

    settings = Settings(economy=ledger.rules, group_commit=False)
    return bootstrap(settings, ledger.pool, catalog=DEFAULT_CATALOG, on_commit=drop_the_reply)


async def buy_a_coin(ledger: LedgerService, player: str) -> TransferResult:
    return await ledger.handle(Purchase(player_id=player, item="gold_coin"), "k-1")


async def top_up_25(ledger: LedgerService, player: str) -> TransferResult:
    return await ledger.handle(TopUp(player_id=player, amount=25), "k-1")


@pytest.mark.parametrize(
    ("command", "diamonds"), [(buy_a_coin, 90), (top_up_25, 125)], ids=["purchase", "top_up"]
)
async def test_20_concurrent_duplicates_have_one_effect_and_one_answer(
    pool: asyncpg.Pool,
    ledger: LedgerService,
    wallet: WalletFactory,
    audit: Audit,
    command: Callable[[LedgerService, str], Awaitable[TransferResult]],
    diamonds: int,
) -> None:
    player = await wallet(ledger, 100)
    before = await stream_length(pool, player)
    answers = await asyncio.gather(*(command(ledger, player) for _ in range(20)))
    assert len({a.transfer_id for a in answers}) == 1
    assert {a.version for a in answers} == {before + 1}
    assert all(a.balances[CURRENCY] == diamonds for a in answers)
    assert await stream_length(pool, player) == before + 1
    assert (await audit())[accounts.player_account(player), CURRENCY] == diamonds


async def test_the_same_key_for_a_different_request_is_refused(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory
) -> None:
    player = await wallet(ledger, 100)
    await ledger.handle(Purchase(player_id=player, item="gold_coin"), "k-1")
    written = await stream_length(pool, player)
    for other in (
        ledger.handle(Purchase(player_id=player, item="gold_coin", quantity=2), "k-1"),
        ledger.handle(Purchase(player_id=player, item="treasure_box"), "k-1"),
        ledger.handle(TopUp(player_id=player, amount=10), "k-1"),
    ):
        with pytest.raises(IdempotencyKeyReused):
            await other
    assert await stream_length(pool, player) == written


async def test_keys_are_scoped_to_the_player(
    ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    alice, bob = await wallet(ledger, 100), await wallet(ledger, 100)
    first = await ledger.handle(Purchase(player_id=alice, item="gold_coin"), "same-key")
    second = await ledger.handle(Purchase(player_id=bob, item="gold_coin"), "same-key")
    assert first.transfer_id != second.transfer_id
    balances = await audit()
    assert balances[accounts.player_account(alice), "gold_coin"] == 1
    assert balances[accounts.player_account(bob), "gold_coin"] == 1


async def test_a_lost_acknowledgement_is_answered_by_the_retry(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 100)
    flaky = lossy(ledger)
    with pytest.raises(ConnectionResetError):
        await flaky.handle(Purchase(player_id=player, item="gold_coin"), "k-lost")
    committed = await stream_length(pool, player)
    await ledger.handle(TopUp(player_id=player, amount=5))  # the wallet moves on meanwhile
    retried = await flaky.handle(Purchase(player_id=player, item="gold_coin"), "k-lost")
    assert retried.balances == {CURRENCY: 90, "gold_coin": 1}  # the original answer
    assert retried.version == committed
    assert await stream_length(pool, player) == committed + 1  # only the top-up since
    assert (await audit())[accounts.player_account(player), "gold_coin"] == 1


async def test_a_signup_retried_after_a_lost_reply_returns_the_same_player(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    flaky = lossy(ledger)
    with pytest.raises(ConnectionResetError):
        await flaky.handle(SignUp(username="Zoe"), "k-signup", Sender(password_hash="hash"))
    async with pool.acquire() as conn:
        registered = await conn.fetchval(
            "SELECT payload->>'player_id' FROM events WHERE event_type = 'player_registered'"
        )
    again = await flaky.handle(SignUp(username="Zoe"), "k-signup", Sender(password_hash="hash"))
    assert again.player_id == registered  # not username_taken, not a second player


async def test_keys_older_than_the_retention_are_purged_and_newer_ones_still_answer(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory
) -> None:
    player = await wallet(ledger, 100)
    buy = Purchase(player_id=player, item="gold_coin")
    old = await ledger.handle(buy, key="old")
    recent = await ledger.handle(buy, key="recent")
    await pool.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '31 days' WHERE key = 'old'"
    )
    assert await purge_keys(pool, 30) == 1
    assert await ledger.handle(buy, key="recent") == recent  # still a retry
    # Past the retention a key is forgotten: the same key is a new request.
    assert (await ledger.handle(buy, key="old")).transfer_id != old.transfer_id
    assert await purge_keys(pool, 30) == 0
