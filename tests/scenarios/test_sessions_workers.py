"""`gameledger serve` with two workers: a logout answered by one holds in both within a second."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from harness.server import ServerProcess, service_env
from tests.scenarios.test_lifecycle import ServeCommand
from tests.scenarios.test_metrics_workers import counter_files

PASSWORD = "correct horse battery"
ROUNDS = 40


@pytest.fixture
async def two_workers(db_dsn: str, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    env = service_env(db_dsn, WORKERS="2", GAMELEDGER_HOME=str(tmp_path))
    server = ServeCommand(env)
    await server.start()
    yield server
    await server.stop()
    server.close()


async def statuses(base: str, token: str) -> list[int]:
    # No keep-alive: each request is a new connection, which either worker may accept.
    limits = httpx.Limits(max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        return [(await client.get("/balance", headers=headers)).status_code for _ in range(ROUNDS)]


async def test_a_logout_holds_in_every_worker_within_a_second(
    two_workers: ServerProcess, tmp_path: Path
) -> None:
    name = f"w_{uuid.uuid4().hex[:10]}"
    body = {"username": name, "password": PASSWORD}
    async with httpx.AsyncClient(base_url=two_workers.base, timeout=30) as client:
        assert (await client.post("/signup", json=body)).status_code == 201
        token = (await client.post("/login", json=body)).json()["token"]
        assert await statuses(two_workers.base, token) == [200] * ROUNDS  # both remember it
        assert len(counter_files(tmp_path)) >= 2  # both workers answered
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.post("/logout", headers=headers)).status_code == 204
        logged_out = time.monotonic()
    await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - logged_out)))
    assert await statuses(two_workers.base, token) == [401] * ROUNDS
