"""The bench's state-based ledger over a real PostgreSQL, and the CPU reading of its backends."""

import time

import asyncpg
import jwt
import pytest
from litestar.testing import AsyncTestClient

from api.http.auth import ALGORITHM, AUDIENCE, ISSUER
from bench import cpu, statebased
from infra.db import Conn, database_of

SECRET = "state-based-secret-" + "k" * 32


def bearer(player: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": player, "iat": now, "exp": now + 60}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm=ALGORITHM)}"}


async def test_a_purchase_moves_both_rows_and_writes_balanced_entries(
    db_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await statebased.create_schema(db_dsn, ["p1", "p2"], funds=25)
    monkeypatch.setenv("GAMELEDGER_DSN", db_dsn)
    monkeypatch.setenv("JWT_SECRET", SECRET)
    async with AsyncTestClient(statebased.create_state_app()) as client:
        for _ in range(2):
            bought = await client.post(
                "/purchase", json={"item": "gold_coin"}, headers=bearer("p1")
            )
            assert bought.status_code == 200, bought.text
        assert bought.json() == {"balance": 5, "version": 2}
        broke = await client.post("/purchase", json={"item": "gold_coin"}, headers=bearer("p1"))
        assert broke.status_code == 409
        unknown = await client.post("/purchase", json={"item": "sword"}, headers=bearer("p1"))
        assert unknown.status_code == 400
        nobody = await client.post("/purchase", json={"item": "gold_coin"}, headers=bearer("p9"))
        assert nobody.status_code == 404
        assert (await client.get("/balance")).status_code == 401
        forged = {"Authorization": "Bearer " + jwt.encode({"sub": "p1"}, "x" * 40)}
        assert (await client.get("/balance", headers=forged)).status_code == 401
        wallet = await client.get("/balance", headers=bearer("p1"))
        assert wallet.json() == {"balance": 5, "inventory": {"gold_coin": 2}, "version": 2}
    conn = await asyncpg.connect(db_dsn)
    try:
        await _balanced(conn)
    finally:
        await conn.close()


async def _balanced(conn: Conn) -> None:
    treasury = await conn.fetchrow(statebased._BALANCE, statebased.TREASURY)
    assert treasury["diamond"] == statebased.SUPPLY + 20
    assert treasury["gold_coin"] == statebased.SUPPLY - 2
    sums = await conn.fetch("SELECT asset, sum(amount) AS total FROM entries GROUP BY asset")
    assert {r["asset"]: r["total"] for r in sums} == {"diamond": 0, "gold_coin": 0}
    assert await conn.fetchval("SELECT count(*) FROM entries") == 8


async def test_the_backends_of_a_database_are_read_from_proc(db_dsn: str, server_dsn: str) -> None:
    busy = await asyncpg.connect(db_dsn)
    watch = await asyncpg.connect(server_dsn)
    try:
        database = database_of(db_dsn)
        before = await cpu.read(watch, [1], database)
        assert await busy.fetchval("SELECT pg_backend_pid()") in before.db
        await busy.execute("SELECT count(*) FROM generate_series(1, 3000000)")
        used = cpu.spent(before, await cpu.read(watch, [1], database))
        assert used.db > 0.05
        assert used.backends >= 1
    finally:
        await busy.close()
        await watch.close()
