"""While PostgreSQL is away the API answers 503 (problem details, no driver text), never 500."""

import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from api.http.app import create_app
from api.http.auth import ALGORITHM, AUDIENCE, ISSUER
from infra.config import Settings
from infra.db import database_of
from tests.api.conftest import FAST_HASHER, PASSWORD, SECRET, Player, running
from tests.api.test_validation import assert_problem

# What a driver error would leak: its class, its errno text, the server's address.
LEAKS = ("refused", "errno", "connect call", "asyncpg", "127.0.0.1", "oserror", "traceback")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens there


@pytest.fixture
async def down_client(api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app whose database does not answer."""
    dsn = f"postgresql://postgres@127.0.0.1:{closed_port()}/gameledger"
    application = create_app(api_settings, dsn, hasher=FAST_HASHER)
    async with running(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield http


def assert_no_leak(response: httpx.Response) -> None:
    text = response.text.lower()
    assert not [leak for leak in LEAKS if leak in text], response.text


async def test_health_is_503_down_when_the_database_is_unreachable(
    down_client: httpx.AsyncClient,
) -> None:
    response = await down_client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "DOWN", "database": "DOWN"}
    assert_no_leak(response)


async def test_every_database_route_is_a_503_problem(down_client: httpx.AsyncClient) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "someone", "iat": now, "exp": now + 60}
    claims["role"] = "player"
    auth = {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm=ALGORITHM)}"}
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/signup", {"username": "alice", "password": PASSWORD}),
        ("POST", "/login", {"username": "alice", "password": PASSWORD}),
        ("GET", "/balance", None),
        ("GET", "/history", None),
        ("POST", "/top-up", {"amount": 5}),
        ("POST", "/purchase", {"item": "gold_coin"}),
    ]
    for method, path, body in calls:
        response = await down_client.request(method, path, json=body, headers=auth)
        assert_problem(response, 503, "database-unavailable")
        assert response.headers["retry-after"] == "2"
        assert_no_leak(response)


async def test_public_routes_without_the_database_still_answer(
    down_client: httpx.AsyncClient,
) -> None:
    assert (await down_client.get("/items")).status_code == 200
    assert (await down_client.get("/schema/openapi.json")).status_code == 200


async def test_connections_killed_under_the_app_give_503_not_500(
    client: httpx.AsyncClient, player: Player, db_dsn: str, server_dsn: str
) -> None:
    database = database_of(db_dsn)
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", database
        )
    finally:
        await conn.close()
    statuses = [(await client.get("/balance", headers=player.auth)).status_code for _ in range(5)]
    assert all(s in {200, 503} for s in statuses), statuses
    assert statuses[-1] == 200  # the pool reconnects by itself
