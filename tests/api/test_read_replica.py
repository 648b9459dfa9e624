"""Reads from a real streaming standby (READ_DATABASE_URL), with read-your-writes across it.

One primary and one hot standby per module, started from the embedded PostgreSQL binaries on
loopback ports (harness/cluster.py) and stopped at the end. Each test gets a fresh database on
the primary, which the standby replicates. The standby's replay is paused with
`pg_wal_replay_pause()` to make it stale on purpose.
"""

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from litestar import Litestar
from prometheus_client import REGISTRY

from api.http.app import create_app
from harness.cluster import Cluster, own_cluster, own_standby
from infra import migrate
from infra.config import Settings
from infra.db import with_database
from infra.replica import parse_position
from service.admins import create_admin
from tests.api.conftest import FAST_HASHER, PASSWORD, RELAXED, SECRET, Player, running
from tests.conftest import scratch_database

_names = itertools.count()
TEMPLATE = "gl_replica_tpl"


@dataclass(frozen=True)
class Pair:
    """The module's primary and its standby."""

    primary: Cluster
    standby: Cluster


@pytest.fixture(scope="module")
async def pair() -> AsyncIterator[Pair]:
    """A primary with a migrated template database, and its streaming standby."""
    async with own_cluster() as primary:
        conn = await asyncpg.connect(primary.dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await conn.close()
        tpl = await asyncpg.connect(with_database(primary.dsn, TEMPLATE))
        try:
            await migrate.migrate(tpl)
        finally:
            await tpl.close()
        async with own_standby(primary) as standby:
            yield Pair(primary, standby)


@pytest.fixture
async def database(pair: Pair) -> AsyncIterator[str]:
    """A fresh database of the test on the primary, once the standby has it too."""
    name = f"gl_replica_{next(_names)}"
    async with scratch_database(pair.primary.dsn, name, TEMPLATE):
        await caught_up(pair)
        yield name
        await resume(pair)  # whatever the test did, the next one finds a replaying standby


async def caught_up(pair: Pair) -> None:
    """Wait until the standby has replayed everything the primary wrote so far."""
    primary = await asyncpg.connect(pair.primary.dsn)
    try:
        target = await primary.fetchval("SELECT pg_current_wal_lsn()")
    finally:
        await primary.close()
    standby = await asyncpg.connect(pair.standby.dsn)
    try:
        for _ in range(2000):
            if await standby.fetchval("SELECT pg_last_wal_replay_lsn() >= $1", target):
                return
            await asyncio.sleep(0.01)
    finally:
        await standby.close()
    raise AssertionError("the standby did not catch up")


async def on_standby(pair: Pair, sql: str) -> None:
    conn = await asyncpg.connect(pair.standby.dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pause(pair: Pair) -> None:
    """Stop the standby's replay: it keeps receiving the log but shows none of it."""
    await on_standby(pair, "SELECT pg_wal_replay_pause()")


async def resume(pair: Pair) -> None:
    await on_standby(pair, "SELECT pg_wal_replay_resume()")


def settings(read_url: str, **more: int) -> Settings:
    return Settings(
        environment="test",
        jwt_secret=SECRET,
        db_pool_min=1,
        db_pool_max=5,
        db_command_timeout=10.0,
        read_database_url=read_url,
        **more,  # type: ignore[arg-type]
    )


App = Callable[..., Awaitable[Litestar]]


@pytest.fixture
async def start(pair: Pair, database: str) -> AsyncIterator[App]:
    """Start an app on the test's database, reading from READ_DATABASE_URL `read_url` (by
    default the standby then the primary, `prefer-standby`); each is stopped at the end."""
    hosts = f"127.0.0.1:{pair.standby.port},127.0.0.1:{pair.primary.port}"
    preferred = f"postgresql://postgres@{hosts}/{database}?target_session_attrs=prefer-standby"
    async with contextlib.AsyncExitStack() as stack:

        async def make(read_url: str = preferred, **more: int) -> Litestar:
            application = create_app(
                settings(read_url, **more),
                with_database(pair.primary.dsn, database),
                hasher=FAST_HASHER,
                limits=RELAXED,
            )
            return await stack.enter_async_context(running(application))

        yield make


def client(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30)


async def signed_up(http: httpx.AsyncClient) -> Player:
    name = f"p_{uuid.uuid4().hex[:12]}"
    created = await http.post("/signup", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    login = await http.post("/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    data = created.json()
    return Player(data["userId"], name, data["referralCode"], login.json()["token"])


def fallbacks(reason: str) -> float:
    """gameledger_replica_fallback_total{reason} so far (this process's registry)."""
    return REGISTRY.get_sample_value("gameledger_replica_fallback_total", {"reason": reason}) or 0


async def top_up(http: httpx.AsyncClient, player: Player, amount: int) -> str:
    """A top-up; the `Ledger-Position` it answered with."""
    reply = await http.post("/top-up", json={"amount": amount}, headers=player.auth)
    assert reply.status_code == 200, reply.text
    return reply.headers["Ledger-Position"]


async def test_every_write_answers_with_its_position_in_the_log(
    pair: Pair, database: str, start: App
) -> None:
    async with client(await start()) as http:
        player = await signed_up(http)
        first = await top_up(http, player, 10)
        second = await top_up(http, player, 10)
        again = await http.post(
            "/top-up", json={"amount": 5}, headers={**player.auth, "Idempotency-Key": "k1"}
        )
        replayed = await http.post(
            "/top-up", json={"amount": 5}, headers={**player.auth, "Idempotency-Key": "k1"}
        )
    conn = await asyncpg.connect(with_database(pair.primary.dsn, database))
    try:
        now = await conn.fetchval("SELECT pg_current_wal_lsn()")
    finally:
        await conn.close()
    positions = [parse_position(p) for p in (first, second, again.headers["Ledger-Position"])]
    assert None not in positions
    assert positions == sorted(positions)
    assert positions[0] != positions[1]
    # A replayed answer carries a position too, at or past the write it replays.
    assert parse_position(replayed.headers["Ledger-Position"]) >= positions[2]  # type: ignore[operator]
    assert positions[-1] <= now  # type: ignore[operator]


async def test_a_read_after_a_write_waits_for_the_paused_standby_then_reads_the_primary(
    pair: Pair, start: App
) -> None:
    async with client(await start()) as http:
        player = await signed_up(http)
        await top_up(http, player, 100)
        await caught_up(pair)
        await pause(pair)
        await top_up(http, player, 23)  # on the primary only: the standby shows none of it
        before = fallbacks("wait")
        reply = await http.get("/balance", headers=player.auth)
        assert reply.status_code == 200, reply.text
        assert reply.json()["balance"] == 123  # the player's own last write, from the primary
        assert fallbacks("wait") == before + 1
        await resume(pair)
        again = await http.get("/balance", headers=player.auth)
    # Replaying again, the standby reaches the write within the wait and answers the read.
    assert again.json()["balance"] == 123
    assert fallbacks("wait") == before + 1


async def test_a_read_carrying_the_position_waits_even_in_another_process(
    pair: Pair, start: App
) -> None:
    writer, reader = await start(), await start()  # two API processes over the same databases
    async with client(writer) as one, client(reader) as other:
        player = await signed_up(one)
        await top_up(one, player, 100)
        await caught_up(pair)
        await pause(pair)
        position = await top_up(one, player, 7)
        blind = await other.get("/balance", headers=player.auth)
        told = await other.get("/balance", headers={**player.auth, "Ledger-Position": position})
    # Without the position, the other process cannot know: it reads the standby as it is.
    assert blind.json()["balance"] == 100
    assert told.json()["balance"] == 107


async def test_with_replay_running_reads_come_from_the_standby_and_see_the_write(
    pair: Pair, start: App
) -> None:
    async with client(await start()) as http:
        player = await signed_up(http)
        await top_up(http, player, 100)
        before = {reason: fallbacks(reason) for reason in ("wait", "lag", "down")}
        balance = await http.get("/balance", headers=player.auth)
        history = await http.get("/history", headers=player.auth)
    # No fallback counted: the standby answered, once it had replayed the player's write.
    assert balance.json()["balance"] == 100
    # The history's read model is projected on the primary and replicated: not stale.
    page = history.json()
    assert not page["stale"]
    assert page["entries"][0]["code"] == "top_up"
    assert {reason: fallbacks(reason) for reason in before} == before


async def game_server(app: Litestar, http: httpx.AsyncClient) -> Player:
    """A service account, logged in once this process knows its role."""
    name = f"server_{uuid.uuid4().hex[:8]}"
    settings = app.state.services.settings
    await create_admin(app.state.pool, settings, name, PASSWORD, FAST_HASHER, role="service")
    for _ in range(500):
        login = await http.post("/login", json={"username": name, "password": PASSWORD})
        token = login.json().get("token") if login.status_code == 200 else None
        auth = {"Authorization": f"Bearer {token}"}
        if token and (await http.get("/holds", headers=auth)).status_code == 200:
            return Player("", name, "", token)
        await asyncio.sleep(0.01)
    raise AssertionError("the service account never worked")


async def test_a_game_servers_hold_is_found_at_once_while_the_standby_is_paused(
    pair: Pair, start: App
) -> None:
    app = await start()
    async with client(app) as http:
        player = await signed_up(http)
        await top_up(http, player, 100)
        server = await game_server(app, http)
        await caught_up(pair)
        await pause(pair)
        body = {"player": player.username, "asset": "diamond", "amount": 40, "expiresIn": 60}
        placed = await http.post("/holds", json=body, headers=server.auth)
        assert placed.status_code == 201, placed.text
        # The hold's stream was written here: its read waits, then reads the primary.
        shown = await http.get(f"/holds/{placed.json()['holdId']}", headers=server.auth)
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "pending"


async def test_a_lagging_standby_is_skipped(pair: Pair, start: App) -> None:
    async with client(await start(replica_max_lag_ms=100)) as http:
        writer, reader = await signed_up(http), await signed_up(http)
        await caught_up(pair)
        await pause(pair)
        await top_up(http, writer, 5)  # the standby receives it but does not replay it
        await asyncio.sleep(0.5)
        before = fallbacks("lag")
        # The reader wrote nothing and carries no position: only the standby's lag sends the
        # read to the primary.
        reply = await http.get("/balance", headers=reader.auth)
    assert reply.status_code == 200, reply.text
    assert fallbacks("lag") == before + 1


async def test_a_standby_that_is_down_is_skipped(pair: Pair, database: str, start: App) -> None:
    only_standby = f"postgresql://postgres@127.0.0.1:{pair.standby.port}/{database}"
    async with client(await start(only_standby)) as http:
        player = await signed_up(http)
        await top_up(http, player, 40)
        await pair.standby.stop()
        try:
            before = fallbacks("down")
            first = await http.get("/balance", headers=player.auth)
            second = await http.get("/history", headers=player.auth)
        finally:
            await pair.standby.start()
    assert first.status_code == 200
    assert first.json()["balance"] == 40
    assert second.status_code == 200
    assert fallbacks("down") == before + 2
