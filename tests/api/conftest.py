"""HTTP-level fixtures: the real app (lifespan, projectors) on a fresh database per test.

Requests go through httpx's ASGI transport in the test's own event loop, so concurrent requests
really are concurrent. argon2 runs with cheap parameters here (the production ones are the
library's defaults); throttles are relaxed except where a test tightens them.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import argon2
import httpx
import pytest
from litestar import Litestar

from api.http.app import create_app
from api.http.limits import Limits, Policy, Slowdown
from domain.commands import EconomyRules
from infra import credentials
from infra.config import Settings
from service.admins import create_admin
from tests.catalogs import EXAMPLE_FILE

SECRET = "test-secret-" + "s" * 60  # 64+ bytes, so HS512 can be tried with it too
PASSWORD = "correct horse battery"
FAST_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
RELAXED = Limits(
    login_per_account_address=Policy(limit=1000, period=60.0),
    login_per_address=Policy(limit=1000, period=60.0),
    login_slowdown=Slowdown(after=1000),
    signup_per_address=Policy(limit=1000, period=60.0),
)


@dataclass(frozen=True)
class Player:
    """A signed-up, logged-in player."""

    user_id: str
    username: str
    referral_code: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


def settings_for(**changes: Any) -> Settings:
    """Settings of an app under test: the defaults below, with `changes`."""
    defaults: dict[str, Any] = {
        "environment": "test",
        "jwt_secret": SECRET,
        "db_pool_min": 1,
        "db_pool_max": 10,
        "db_command_timeout": 10.0,
        "run_projectors": True,
        "economy": EconomyRules(shard_count=4),
    }
    return Settings(**(defaults | changes))


def example_settings() -> Settings:
    """An app under test serving the example catalog (catalog.json)."""
    return settings_for(catalog_file=str(EXAMPLE_FILE))


@pytest.fixture
def api_settings() -> Settings:
    """Settings of the app under test."""
    return settings_for()


@pytest.fixture
def limits() -> Limits:
    """Throttle policies (relaxed; throttling tests override this fixture)."""
    return RELAXED


@asynccontextmanager
async def running(application: Litestar) -> AsyncIterator[Litestar]:
    """Run the app's lifespan in a task of its own (its task group must exit where it began)."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(serve())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # startup failed: raise its error
    try:
        yield application
    finally:
        stop.set()
        await task


@pytest.fixture
async def app(db_dsn: str, api_settings: Settings, limits: Limits) -> AsyncIterator[Litestar]:
    """The app with its lifespan running."""
    application = create_app(api_settings, db_dsn, hasher=FAST_HASHER, limits=limits)
    async with running(application):
        yield application


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app."""
    async with _client(app) as http:
        yield http


def _client(app: Litestar, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30)


@pytest.fixture
def client_from(app: Litestar) -> Callable[[str], httpx.AsyncClient]:
    """A client whose requests come from another address."""
    return lambda address: _client(app, address)


SignUp = Callable[..., Awaitable[Player]]


@pytest.fixture
def sign_up(client: httpx.AsyncClient) -> SignUp:
    """Sign up and log in a new player (unique name unless given)."""

    async def make(username: str | None = None, referral_code: str | None = None) -> Player:
        name = username or f"p_{uuid.uuid4().hex[:12]}"
        body: dict[str, str] = {"username": name, "password": PASSWORD}
        if referral_code:
            body["referralCode"] = referral_code
        created = await client.post("/signup", json=body)
        assert created.status_code == 201, created.text
        login = await client.post("/login", json={"username": name, "password": PASSWORD})
        assert login.status_code == 200, login.text
        data = created.json()
        return Player(data["userId"], name, data["referralCode"], login.json()["token"])

    return make


@pytest.fixture
async def player(sign_up: SignUp) -> Player:
    """One player."""
    return await sign_up()


@pytest.fixture
async def rich_player(client: httpx.AsyncClient, player: Player) -> Player:
    """A player with 1000 diamonds."""
    response = await client.post("/top-up", json={"amount": 1000}, headers=player.auth)
    assert response.status_code == 200, response.text
    return player


@pytest.fixture
async def admin(app: Litestar, client: httpx.AsyncClient, api_settings: Settings) -> Player:
    """An operator, made the way `gameledger admin create` makes one."""
    name = f"admin_{uuid.uuid4().hex[:8]}"
    outcome = await create_admin(app.state.pool, api_settings, name, PASSWORD, FAST_HASHER)
    assert outcome == "created"
    login = await client.post("/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    async with app.state.pool.acquire() as conn:
        found = await credentials.by_username(conn, name)
    assert found is not None
    return Player(found.player_id, name, "", login.json()["token"])


async def settled(client: httpx.AsyncClient, admin: Player) -> None:
    """Wait until every projector has caught up with the log."""
    for _ in range(200):
        status = await client.get("/admin/projectors", headers=admin.auth)
        assert status.status_code == 200, status.text
        if all(p["lagEvents"] == 0 for p in status.json()["projectors"]):
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the projectors did not catch up")


async def fresh_history(
    client: httpx.AsyncClient, player: Player, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A /history page that covers the player's latest write.

    The page says `stale` when the projection had not caught up within the server's bounded
    wait (the projectors' horizon is cluster-wide: a long transaction in any database of the
    server holds it back). A client reads it again, as the console does; so does this.
    """
    for _ in range(600):
        reply = await client.get("/history", params=params, headers=player.auth)
        assert reply.status_code == 200, reply.text
        page: dict[str, Any] = reply.json()
        if not page["stale"]:
            return page
    raise AssertionError("the history stayed stale")


async def account(
    app: Litestar, client: httpx.AsyncClient, settings: Settings, role: str, name: str = ""
) -> Player:
    """A service or admin account made, or a player promoted, as `gameledger admin create`
    does, and logged in once this process knows its role (the role change's NOTIFY arrives
    within a moment; the poll within 0.2 s)."""
    name = name or f"{role}_{uuid.uuid4().hex[:8]}"
    await create_admin(app.state.pool, settings, name, PASSWORD, FAST_HASHER, role=role)
    async with app.state.pool.acquire() as conn:
        found = await credentials.by_username(conn, name)
    assert found is not None
    roles = app.state.services.ledger.ctx.roles
    for _ in range(500):
        if found.player_id in await roles.privileged():
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the role change never reached the process")
    login = await client.post("/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    mine = await client.get("/balance", headers={"Authorization": f"Bearer {token}"})
    return Player(found.player_id, name, mine.json()["referralCode"], token)


@pytest.fixture(params=["service", "admin"])
async def privileged(
    request: pytest.FixtureRequest, app: Litestar, client: httpx.AsyncClient, api_settings: Settings
) -> Player:
    """A service (game-server) account, then an admin account: neither holds a wallet."""
    return await account(app, client, api_settings, request.param)
