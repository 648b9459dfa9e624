"""A clawback survives a SIGKILL of the service: the restarted service finishes its list and no
transfer is reversed twice (the real process, killed with no shutdown hook)."""

import asyncio
from typing import Any

import asyncpg
import httpx

from domain.commands import EconomyRules, Grant, SignUp
from harness.app import CHEAP_HASHER
from harness.server import ServerProcess, service_env
from infra.config import Settings
from service.admins import create_admin
from service.job import Sender
from tests.integration.test_clawbacks import bug_grants, reversals
from tests.ledgers import ledger_over

GRANTS = 400
PASSWORD = "correct horse battery"


async def seed(pool: asyncpg.Pool) -> None:
    """Four players, each granted GRANTS / 4 times by the bug (written in this process)."""
    ledger = ledger_over(pool, EconomyRules(shard_count=4))
    await ledger.seed_genesis()
    try:
        for name in ("kim", "lee", "max", "ned"):
            await ledger.handle(SignUp(username=name), caller=Sender(password_hash="h"))
            for _ in range(GRANTS // 4):
                cmd = Grant(player=name, amount=5, reason="q", metadata={"campaign": "bug"})
                await ledger.handle(cmd, caller=Sender("server", "service"))
    finally:
        await ledger.close()


async def progress(client: httpx.AsyncClient, clawback: str) -> dict[str, Any]:
    seen: dict[str, Any] = (await client.get(f"/admin/clawbacks/{clawback}")).json()
    return seen


async def test_a_clawback_killed_mid_list_finishes_after_the_restart(
    pool: asyncpg.Pool, db_dsn: str
) -> None:
    await seed(pool)
    await create_admin(pool, Settings(environment="test"), "ops", PASSWORD, CHEAP_HASHER)
    server = ServerProcess(service_env(db_dsn))
    try:
        await server.start()
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
            login = await client.post("/login", json={"username": "ops", "password": PASSWORD})
            client.headers["Authorization"] = f"Bearer {login.json()['token']}"
            body = {"filter": {"metadata": {"campaign": "bug"}}, "reason": "exploit"}
            started = await client.post(
                "/admin/clawbacks", json=body, headers={"Idempotency-Key": "bug-1"}
            )
            assert started.status_code == 202, started.text
            clawback = started.json()["clawbackId"]
            for _ in range(3000):  # until the runner has begun
                if (await progress(client, clawback))["done"]:
                    break
                await asyncio.sleep(0.01)
            await server.kill()  # mid-list: the runner had begun
            async with pool.acquire() as conn:
                at_kill = await conn.fetchval(
                    "SELECT count(*) FROM events WHERE stream_id = $1", f"clawback:{clawback}"
                )
            await server.start()
            for _ in range(1200):
                seen = await progress(client, clawback)
                if seen["status"] != "running":
                    break
                await asyncio.sleep(0.05)
    finally:
        await server.kill()
        server.close()
    assert 1 < at_kill < GRANTS + 2, "the kill did not land mid-list"
    assert (seen["status"], seen["done"], seen["total"], seen["skipped"]) == (
        "done",
        GRANTS,
        GRANTS,
        0,
    )
    reversed_ = await reversals(pool)
    assert len(reversed_) == len(set(reversed_)) == GRANTS
    assert set(reversed_) == await bug_grants(pool)
