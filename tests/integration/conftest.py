"""Integration fixtures: economies with other rules, funded wallets, an empty database, an audit."""

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from domain.commands import EconomyRules, SignUp, TopUp
from domain.events import Transferred
from infra import codec
from infra.db import Conn
from service.job import Sender
from service.ledger import LedgerService
from tests.conftest import scratch_database
from tests.invariants import Balances, fold, violations
from tests.ledgers import ledger_over
from tests.nats_support import feed_settings, nats_url  # noqa: F401 - fixtures

_names = itertools.count()

LedgerFactory = Callable[[EconomyRules], Awaitable[LedgerService]]
WalletFactory = Callable[[LedgerService, int], Awaitable[str]]
Audit = Callable[[], Awaitable[Balances]]


@pytest.fixture
async def economy(pool: asyncpg.Pool, write_mode: str) -> AsyncIterator[LedgerFactory]:
    """A ledger over the test's database with its own rules, genesis seeded."""
    made: list[LedgerService] = []

    async def make(rules: EconomyRules) -> LedgerService:
        service = ledger_over(pool, rules, group_commit=write_mode == "group commit")
        assert await service.seed_genesis()
        made.append(service)
        return service

    yield make
    for service in made:
        await service.close()


@pytest.fixture
def wallet() -> WalletFactory:
    """A new player of `ledger` holding `diamonds`, in as few top-ups as the limit allows."""

    async def make(ledger: LedgerService, diamonds: int) -> str:
        player = await ledger.handle(
            SignUp(username=f"player{next(_names)}"), caller=Sender(password_hash="hash")
        )
        while diamonds > 0:
            amount = min(diamonds, ledger.rules.top_up_max)
            await ledger.handle(TopUp(player_id=player.player_id, amount=amount))
            diamonds -= amount
        return player.player_id

    return make


async def all_transfers(conn: Conn) -> list[Transferred]:
    """Every transfer in the log, in stream order."""
    rows = await conn.fetch(
        "SELECT event_type, schema_version, payload::text AS payload FROM events"
        " WHERE event_type = 'transferred' ORDER BY global_position"
    )
    decoded = [codec.decode(r["event_type"], r["schema_version"], r["payload"]) for r in rows]
    return [t for t in decoded if isinstance(t, Transferred)]


@pytest.fixture
def audit(pool: asyncpg.Pool) -> Audit:
    """Fold the whole log and assert the ledger's invariants; the balances it found."""

    async def check() -> Balances:
        async with pool.acquire() as conn:
            transfers = await all_transfers(conn)
            genesis = next(t for t in transfers if t.code == "genesis")
        supply = -sum(leg.amount for leg in genesis.legs if leg.amount < 0)
        assert violations(transfers, supply) == []
        return fold(transfers)

    return check


@pytest.fixture
async def empty_db_dsn(server_dsn: str) -> AsyncIterator[str]:
    """A DSN of a brand-new database with no schema at all, dropped afterwards."""
    name = f"gl_empty_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}_{next(_names)}"
    async with scratch_database(server_dsn, name) as dsn:
        yield dsn
