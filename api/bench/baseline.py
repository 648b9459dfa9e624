"""The minimal HTTP baseline: a trivial Litestar + asyncpg app on the same server and workers.

Its endpoints do the least a ledger endpoint could: insert one row, or `SELECT 1`.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from litestar import Litestar, get, post
from litestar.datastructures import State

_TABLE = "CREATE TABLE IF NOT EXISTS bench_baseline (id bigint GENERATED ALWAYS AS IDENTITY, v int)"


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(os.environ["GAMELEDGER_DSN"], min_size=4, max_size=20)
    assert pool is not None
    await pool.execute(_TABLE)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


@post("/insert", status_code=200)
async def insert(state: State) -> dict[str, int]:
    """Insert one row (one durable commit)."""
    await state.pool.execute("INSERT INTO bench_baseline (v) VALUES (1)")
    return {"ok": 1}


@get("/select1")
async def select1(state: State) -> dict[str, int]:
    """One round trip to the database."""
    return {"value": await state.pool.fetchval("SELECT 1")}


def create_baseline_app() -> Litestar:
    """The baseline app (an ASGI factory for uvicorn)."""
    return Litestar([insert, select1], lifespan=[_lifespan], openapi_config=None)
