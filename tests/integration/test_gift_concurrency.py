"""Gifts racing on a real database, in both write modes: no double spend, nothing lost."""

import asyncio

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import EconomyRules, Gift, SignUp, TopUp
from infra import eventstore
from projections.audit import run_audit, summary
from projections.runner import catch_up
from service.job import Sender
from service.ledger import LedgerService
from tests.conftest import WRITE_MODES
from tests.integration.conftest import Audit, LedgerFactory
from tests.integration.test_command_concurrency import kinds, race, versions

pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)

RULES = EconomyRules(genesis_supply=10_000_000, shard_count=4, gift_daily_limit=1_000_000)


async def named(ledger: LedgerService, name: str, diamonds: int) -> str:
    player = (
        await ledger.handle(SignUp(username=name), caller=Sender(password_hash="hash"))
    ).player_id
    if diamonds:
        await ledger.handle(TopUp(player_id=player, amount=diamonds))
    return player


def gift(sender: str, to: str, amount: int) -> Gift:
    return Gift(sender_id=sender, to=to, asset=CURRENCY, amount=amount)


async def balance(pool: asyncpg.Pool, player: str) -> int:
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, accounts.player_account(player))
    assert head is not None
    return int(getattr(head.event, "state_after", {}).get(CURRENCY, 0))


async def audited(pool: asyncpg.Pool) -> None:
    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)


async def test_two_players_gifting_each_other_at_once_lose_nothing(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit
) -> None:
    ledger = await economy(RULES)
    ann, ben = await named(ledger, "ann", 1_000), await named(ledger, "ben", 1_000)
    calls = [ledger.handle(gift(ann, "ben", 7)) for _ in range(20)]
    calls += [ledger.handle(gift(ben, "ann", 5)) for _ in range(20)]
    done, errors = await race(calls)
    assert errors == []
    assert len(done) == 40
    assert await balance(pool, ann) == 1_000 - 20 * 7 + 20 * 5
    assert await balance(pool, ben) == 1_000 + 20 * 7 - 20 * 5
    for player in (ann, ben):
        stream = await versions(pool, accounts.player_account(player))
        assert stream == list(range(1, 43))  # registration, top-up, 40 gifts
    balances = await audit()
    assert balances[accounts.player_account(ann), CURRENCY] == 960
    await audited(pool)


async def test_many_gifts_draining_one_wallet_spend_it_exactly_once(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit
) -> None:
    ledger = await economy(RULES)
    payer = await named(ledger, "payer", 100)
    friends = [f"friend{n}" for n in range(8)]
    ids = [await named(ledger, name, 0) for name in friends]
    done, errors = await race([ledger.handle(gift(payer, f, 10)) for f in friends * 8])
    assert len(done) == 10
    assert kinds(errors) == {"InsufficientFunds": 54}
    assert sorted(r.balances[CURRENCY] for r in done) == list(range(0, 100, 10))
    received = sum([await balance(pool, p) for p in ids])
    assert received == 100
    assert await balance(pool, payer) == 0
    assert (await audit())[accounts.player_account(payer), CURRENCY] == 0
    await audited(pool)


async def test_a_ring_of_20_players_at_32_concurrent_clients(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit
) -> None:
    ledger = await economy(RULES)
    names = [f"ring{n}" for n in range(20)]
    ids = [await named(ledger, name, 500) for name in names]
    slots = asyncio.Semaphore(32)

    async def send(index: int) -> None:
        async with slots:
            await ledger.handle(gift(ids[index % 20], names[(index + 1) % 20], 3))

    _, errors = await race([send(i) for i in range(200)])
    assert errors == []
    assert [await balance(pool, p) for p in ids] == [500] * 20  # each sent 10, received 10
    await audit()
    await audited(pool)
