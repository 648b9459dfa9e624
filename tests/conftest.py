"""Shared fixtures: a real PostgreSQL, one fresh database per test cloned from a migrated template.

TEST_DATABASE_URL names a server to use (CI sets it when 127.0.0.1:5432 answers); without it the
embedded server under .gameledger/pg-test is started (or adopted). A session that started it
stops it at its end, unless another session's databases are still on it; one it found running
is left running.
"""

import asyncio
import itertools
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from domain.commands import EconomyRules
from infra import embedded, migrate
from infra.config import Settings
from infra.db import create_pool, with_database
from service.ledger import LedgerService
from tests.ledgers import ledger_over

_counter = itertools.count()
_EMBEDDED = "pg-test"
_started_embedded = False  # this session (the xdist controller, or the only process) started it
# The test databases' names hold their process ids: gl_tpl_<worker>_<pid>, gl_t_<worker>_<pid>_<n>,
# gl_e2e_<pid>_<n>. One whose process is alive belongs to a session still running.
_OTHERS = "SELECT datname FROM pg_database WHERE datname ~ '^gl_(tpl|t|e2e)_'"
_PID = re.compile(r"^gl_(?:tpl_[^_]+_|t_[^_]+_|e2e_)(\d+)")


def _controls_session() -> bool:
    return not os.environ.get("TEST_DATABASE_URL") and "PYTEST_XDIST_WORKER" not in os.environ


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the embedded server before any worker needs it, remembering whether we did."""
    global _started_embedded
    if _controls_session() and not embedded.running(_EMBEDDED):
        embedded.ensure_running(_EMBEDDED)
        _started_embedded = True


@pytest.hookimpl(trylast=True)  # after the session's own fixtures dropped its databases
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the embedded server this session started (a test never leaves a process running),
    unless another test session is still using it."""
    if not (_controls_session() and _started_embedded and embedded.running(_EMBEDDED)):
        return
    if asyncio.run(_other_sessions(embedded.ensure_running(_EMBEDDED))) == 0:
        embedded.stop(_EMBEDDED)


async def _other_sessions(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        names = [row["datname"] for row in await conn.fetch(_OTHERS)]
    finally:
        await conn.close()
    pids = {int(m.group(1)) for name in names if (m := _PID.match(name))}
    return sum(1 for pid in pids if _alive(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def server_dsn() -> str:
    """A DSN for the maintenance database of the test server."""
    return os.environ.get("TEST_DATABASE_URL") or embedded.ensure_running(_EMBEDDED)


@pytest.fixture(scope="session")
async def template_db(server_dsn: str) -> AsyncIterator[str]:
    """A migrated template database, made once per worker process and dropped at the end.

    The name holds the process id: several test sessions may share one server.
    """
    name = f"gl_tpl_{_worker()}_{os.getpid()}"
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    tpl = await asyncpg.connect(with_database(server_dsn, name))
    try:
        await migrate.migrate(tpl)
    finally:
        await tpl.close()
    yield name
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(
    server_dsn: str, name: str, template: str | None = None
) -> AsyncIterator[str]:
    """Create database `name` (from `template` if given), yield its DSN, drop it afterwards."""
    clause = f' TEMPLATE "{template}"' if template else ""
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await conn.close()
    try:
        yield with_database(server_dsn, name)
    finally:
        conn = await asyncpg.connect(server_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture
async def db_dsn(server_dsn: str, template_db: str) -> AsyncIterator[str]:
    """A DSN of a fresh, migrated database for one test, dropped afterwards."""
    name = f"gl_t_{_worker()}_{os.getpid()}_{next(_counter)}"
    async with scratch_database(server_dsn, name, template_db) as dsn:
        yield dsn


@pytest.fixture
def settings() -> Settings:
    """Test settings: small pool, short timeouts."""
    return Settings(environment="test", db_pool_min=1, db_pool_max=20, db_command_timeout=10.0)


@pytest.fixture
async def pool(db_dsn: str, settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the test's own database."""
    p = await create_pool(db_dsn, settings)
    yield p
    await p.close()


@pytest.fixture
def rules() -> EconomyRules:
    """Default economy with fewer shards, so tests exercise shard switching."""
    return EconomyRules(shard_count=4)


WRITE_MODES = ["one statement each", "group commit"]


@pytest.fixture
def write_mode() -> str:
    """How the pipeline writes; `pytest.mark.parametrize("write_mode", WRITE_MODES,
    indirect=True)` runs a test in both modes."""
    return "one statement each"


@pytest.fixture
async def ledger(
    pool: asyncpg.Pool, rules: EconomyRules, write_mode: str
) -> AsyncIterator[LedgerService]:
    """The write side over a database whose genesis has been seeded."""
    service = ledger_over(pool, rules, group_commit=write_mode == "group commit")
    assert await service.seed_genesis()
    yield service
    await service.close()
