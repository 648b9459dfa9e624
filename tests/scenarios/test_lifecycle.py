"""Operations on real processes: SIGTERM under load, and two API plus two projector processes.

Each test starts uvicorn (and `gameledger project`) as separate processes on loopback against
its own database.
"""

import asyncio
import signal
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from harness.server import ROOT, ServeCommand, ServerProcess, service_env
from projections.audit import run_audit
from projections.queries import projector_status

PASSWORD = "lifecycle-password-1"


async def _player(client: httpx.AsyncClient, funds: int) -> dict[str, str]:
    name = f"life_{uuid.uuid4().hex[:10]}"
    created = await client.post("/signup", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    login = await client.post("/login", json={"username": name, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    while funds > 0:
        step = min(funds, 10_000)
        assert (await client.post("/top-up", json={"amount": step}, headers=headers)).is_success
        funds -= step
    return headers


@pytest.fixture
async def server(db_dsn: str) -> AsyncIterator[ServerProcess]:
    process = ServeCommand(service_env(db_dsn))
    await process.start()
    yield process
    await process.kill()
    process.close()


async def test_serve_does_not_let_a_client_choose_its_throttle_address(
    server: ServerProcess,
) -> None:
    # uvicorn believes X-Forwarded-For from loopback peers unless told not to: a client would
    # then get a fresh signup allowance per forged address. Only TRUSTED_PROXIES may say so.
    statuses = []
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        for n in range(22):
            reply = await client.post(
                "/signup",
                json={"username": f"xff_{uuid.uuid4().hex[:10]}", "password": PASSWORD},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            )
            statuses.append(reply.status_code)
    assert statuses[:20] == [201] * 20
    assert statuses[20:] == [429, 429]


async def test_sigterm_under_load_finishes_in_flight_requests_and_exits_0(
    server: ServerProcess, db_dsn: str
) -> None:
    """Every acknowledged purchase is stored; a request cut by the shutdown had no effect
    (uvicorn closes connections whose request it has not started), so retrying it is safe."""
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        players = [await _player(client, 20_000) for _ in range(4)]
    acknowledged: list[str] = []
    cut: list[str] = []
    stopping = asyncio.Event()

    async def shopper(headers: dict[str, str]) -> None:
        # No keep-alive: after SIGTERM a new request meets a closed port, never a reused socket.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits) as c:
            while True:
                key = uuid.uuid4().hex
                try:
                    reply = await c.post(
                        "/purchase",
                        json={"item": "gold_coin"},
                        headers={**headers, "Idempotency-Key": key},
                    )
                except httpx.ConnectError:
                    assert stopping.is_set(), "refused before shutdown"
                    return
                except httpx.TransportError:
                    assert stopping.is_set(), "connection lost before shutdown"
                    cut.append(key)
                    return
                assert reply.status_code == 200, reply.text
                acknowledged.append(reply.json()["transferId"])

    shoppers = [asyncio.create_task(shopper(h)) for h in players for _ in range(4)]
    for _ in range(600):  # under load at least once, however slow the machine is today
        if len(acknowledged) >= 16:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    stopping.set()
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    status = await asyncio.wait_for(server.process.wait(), 30)
    await asyncio.gather(*shoppers)
    assert status == 0, server.tail()
    conn = await asyncpg.connect(db_dsn)
    try:
        stored = await conn.fetchval(
            "SELECT count(*) FROM events WHERE payload->>'transfer_id' = ANY($1::text[])",
            acknowledged,
        )
        applied_cut = await conn.fetchval(
            "SELECT count(*) FROM idempotency_keys WHERE key = ANY($1::text[])", cut
        )
    finally:
        await conn.close()
    assert acknowledged
    assert stored == len(acknowledged)
    assert applied_cut == 0


async def _projector(dsn: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "project", cwd=ROOT,
        env=service_env(dsn), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)  # fmt: skip


async def _caught_up(dsn: str, patience: float = 60) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(int(patience / 0.1)):
            if all(s.lag_events == 0 for s in await projector_status(conn)):
                return
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise AssertionError("projectors did not catch up")


async def test_two_apis_and_two_projectors_share_one_database(db_dsn: str) -> None:
    env = service_env(db_dsn, RUN_PROJECTORS="false")
    apis = [ServerProcess(env), ServerProcess(env)]
    projectors = [await _projector(db_dsn), await _projector(db_dsn)]
    try:
        for api in apis:
            await api.start()
        clients = [httpx.AsyncClient(base_url=a.base, timeout=30) for a in apis]
        players = [await _player(clients[n % 2], 1_000) for n in range(6)]

        async def shop(n: int) -> None:
            # 25 buyers per wallet at once: on a loaded machine some wait past the command
            # timeout and get 503, which a client retries with the same key.
            headers = {**players[n % 6], "Idempotency-Key": uuid.uuid4().hex}
            for _ in range(5):
                reply = await clients[n % 2].post(
                    "/purchase", json={"item": "gold_coin"}, headers=headers
                )
                if reply.status_code != 503:
                    break
            assert reply.status_code in (200, 422), reply.text

        await asyncio.gather(*(shop(n) for n in range(150)))
        projectors[0].kill()  # the active one or the standby: either way one must carry on
        await asyncio.gather(*(shop(n) for n in range(150, 300)))
        await _caught_up(db_dsn)
        conn = await asyncpg.connect(db_dsn)
        try:
            report = await run_audit(conn)
        finally:
            await conn.close()
        assert report.ok, [c for c in report.checks if not c.ok]
        for client in clients:
            await client.aclose()
    finally:
        for api in apis:
            await api.kill()
            api.close()
        for process in projectors:
            if process.returncode is None:
                process.kill()
            await process.wait()
