"""Commands racing on a real database: retries hide conflicts, funds and the treasury hold."""

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import TypeVar

import asyncpg
import pytest

from domain import accounts
from domain.account_errors import UsernameTaken
from domain.assets import CURRENCY
from domain.commands import EconomyRules, Purchase, SignUp, TopUp
from domain.state import player_state, shard_state
from infra import eventstore
from service.job import Sender
from service.ledger import LedgerService
from tests.conftest import WRITE_MODES
from tests.integration.conftest import Audit, LedgerFactory, WalletFactory

# Both ways the pipeline writes must pass the same races.
pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)

T = TypeVar("T")


async def race(calls: list[Awaitable[T]]) -> tuple[list[T], list[BaseException]]:
    """Run every call at once; the results and the errors, apart."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    return [o for o in outcomes if not isinstance(o, BaseException)], errors


def kinds(errors: list[BaseException]) -> Counter[str]:
    return Counter(type(e).__name__ for e in errors)


async def versions(pool: asyncpg.Pool, stream: str) -> list[int]:
    async with pool.acquire() as conn:
        return [s.version for s in await eventstore.read_stream(conn, stream)]


async def test_64_purchases_on_a_wallet_that_affords_10_sell_exactly_10(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 100)
    buy = Purchase(player_id=player, item="gold_coin")
    sold, errors = await race([ledger.handle(buy) for _ in range(64)])
    assert len(sold) == 10
    assert kinds(errors) == {"InsufficientFunds": 54}  # never a version conflict
    assert sorted(r.balances[CURRENCY] for r in sold) == list(range(0, 100, 10))
    stream = await versions(pool, accounts.player_account(player))
    assert stream == list(range(1, len(stream) + 1))
    assert (await audit())[accounts.player_account(player), "gold_coin"] == 10


async def test_64_top_ups_on_one_player_all_succeed(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 0)
    paid, errors = await race(
        [ledger.handle(TopUp(player_id=player, amount=n)) for n in range(1, 65)]
    )
    assert errors == []
    assert sorted(r.version for r in paid) == list(range(2, 66))
    assert max(r.balances[CURRENCY] for r in paid) == sum(range(1, 65))
    assert await versions(pool, accounts.player_account(player)) == list(range(1, 66))
    assert (await audit())[accounts.player_account(player), CURRENCY] == sum(range(1, 65))


async def test_concurrent_top_ups_never_overdraw_the_treasury(
    pool: asyncpg.Pool, economy: LedgerFactory, wallet: WalletFactory, audit: Audit
) -> None:
    ledger = await economy(EconomyRules(genesis_supply=1_000, shard_count=4))
    players = [await wallet(ledger, 0) for _ in range(8)]
    asks = [TopUp(player_id=p, amount=70) for p in players for _ in range(5)]  # 2,800 asked
    paid, errors = await race([ledger.handle(cmd) for cmd in asks])
    assert 0 < 70 * len(paid) <= 1_000
    assert kinds(errors) == {"TreasuryDepleted": len(asks) - len(paid)}
    async with pool.acquire() as conn:
        shards = [
            shard_state(i, await eventstore.latest(conn, accounts.shard_account(i)))
            for i in range(4)
        ]
    # Refused only when truly depleted: no shard could have paid another 70.
    assert all(0 <= s.budget < 70 for s in shards)
    assert sum(s.budget for s in shards) == 1_000 - 70 * len(paid)
    await audit()


async def test_concurrent_signups_of_one_name_in_any_case_let_exactly_one_win(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    names = ["Alice", "alice", "ALICE", "aLiCe"] * 4
    won, errors = await race(
        [ledger.handle(SignUp(username=n), caller=Sender(password_hash="hash")) for n in names]
    )
    assert len(won) == 1
    assert kinds(errors) == {"UsernameTaken": 15}
    assert all(isinstance(e, UsernameTaken) for e in errors)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM credentials") == 1
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM events WHERE event_type = 'player_registered'"
            )
            == 1
        )


async def test_64_signups_with_one_referral_code_all_succeed_and_pay_once_each(
    pool: asyncpg.Pool, ledger: LedgerService, audit: Audit
) -> None:
    referrer = await ledger.handle(SignUp(username="host"), caller=Sender(password_hash="hash"))
    code = referrer.referral_code
    joined, errors = await race(
        [
            ledger.handle(
                SignUp(username=f"guest{i}", referral_code=code), caller=Sender(password_hash="h")
            )
            for i in range(64)
        ]
    )
    assert errors == []
    assert all(j.balances == {CURRENCY: 50} for j in joined)
    async with pool.acquire() as conn:
        state = player_state(
            referrer.player_id,
            await eventstore.latest(conn, accounts.player_account(referrer.player_id)),
        )
    assert state.balances == {CURRENCY: 64 * 50}
    assert state.version == 65
    await audit()
