"""Abuse protection over HTTP: 429 with Retry-After, 413 for large bodies, capped pages."""

from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest

from api.http.app import create_app
from api.http.limits import Limits, Policy, Slowdown, Window
from infra.config import Settings
from tests.api.conftest import FAST_HASHER, PASSWORD, Player, fresh_history, running
from tests.api.test_validation import assert_problem

Clients = Callable[[str], httpx.AsyncClient]


@pytest.fixture
def limits() -> Limits:
    """Tight throttles, so a test reaches them quickly."""
    return Limits(
        login_per_account_address=Policy(limit=3, period=60.0),
        login_per_address=Policy(limit=5, period=60.0),
        login_slowdown=Slowdown(after=1000),
        signup_per_address=Policy(limit=3, period=60.0),
    )


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """A small page cap, to see it applied."""
    return msgspec.structs.replace(api_settings, max_page_size=3)


def rate_limited(response: httpx.Response) -> int:
    assert_problem(response, 429, "rate-limited")
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= 60
    return seconds


async def test_failed_logins_from_one_address_are_throttled(client_from: Clients) -> None:
    async with client_from("10.0.1.1") as http:
        for n in range(5):
            wrong = {"username": f"nobody{n}", "password": "wrong password"}
            assert (await http.post("/login", json=wrong)).status_code == 401
        rate_limited(await http.post("/login", json={"username": "next1", "password": "x"}))
    async with client_from("10.0.1.2") as http:  # another address is not affected
        answer = await http.post("/login", json={"username": "next1", "password": "x"})
        assert answer.status_code == 401


async def test_a_successful_login_clears_the_accounts_failures(
    player: Player, client_from: Clients
) -> None:
    wrong = {"username": player.username, "password": "wrong password"}
    right = {"username": player.username, "password": PASSWORD}
    async with client_from("10.0.2.1") as http:
        for _ in range(2):
            await http.post("/login", json=wrong)
        assert (await http.post("/login", json=right)).status_code == 200
        for _ in range(2):
            assert (await http.post("/login", json=wrong)).status_code == 401
        assert (await http.post("/login", json=right)).status_code == 200


async def test_signups_per_address_are_limited(client_from: Clients) -> None:
    async with client_from("10.0.3.1") as http:
        for n in range(3):
            body = {"username": f"farm{n}", "password": PASSWORD}
            assert (await http.post("/signup", json=body)).status_code == 201
        blocked = await http.post("/signup", json={"username": "farm9", "password": PASSWORD})
        rate_limited(blocked)
    async with client_from("10.0.3.2") as http:
        body = {"username": "farm9", "password": PASSWORD}
        assert (await http.post("/signup", json=body)).status_code == 201


@pytest.mark.parametrize("path", ["/signup", "/login", "/purchase", "/top-up"])
async def test_a_body_over_64_kib_is_413(
    client: httpx.AsyncClient, player: Player, path: str
) -> None:
    content = b'{"item": "' + b"x" * 70_000 + b'"}'
    headers = {**player.auth, "Content-Type": "application/json"}
    response = await client.post(path, content=content, headers=headers)
    assert_problem(response, 413, "body-too-large")


async def test_a_streamed_body_over_the_limit_is_413(
    client: httpx.AsyncClient, player: Player
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 8192

    headers = {**player.auth, "Content-Type": "application/json"}
    response = await client.post("/purchase", content=chunks(), headers=headers)
    assert_problem(response, 413, "body-too-large")


async def test_pages_are_capped(client: httpx.AsyncClient, player: Player) -> None:
    for _ in range(5):
        await client.post("/top-up", json={"amount": 1}, headers=player.auth)
    page: dict[str, Any] = await fresh_history(client, player, {"limit": 1000})
    assert len(page["entries"]) == 3
    assert page["nextCursor"] is not None


def test_a_window_forgets_old_events() -> None:
    now = [0.0]
    window = Window(Policy(limit=2, period=10.0), clock=lambda: now[0])
    window.hit("k")
    window.hit("k")
    assert window.retry_after("k") == 10.0
    now[0] = 4.0
    assert window.retry_after("k") == 6.0
    now[0] = 10.5
    assert window.retry_after("k") == 0.0


async def test_the_signup_throttle_follows_the_operators_setting(
    db_dsn: str, api_settings: Settings
) -> None:
    settings = msgspec.structs.replace(api_settings, signups_per_address=1, run_projectors=False)
    async with running(create_app(settings, db_dsn, hasher=FAST_HASHER)) as application:
        transport = httpx.ASGITransport(app=application, client=("10.9.8.7", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            body = {"username": "only_one", "password": PASSWORD}
            assert (await http.post("/signup", json=body)).status_code == 201
            second = await http.post("/signup", json={**body, "username": "one_more"})
    assert second.status_code == 429
