"""The minimal HTTP baseline: a trivial Litestar + asyncpg app on the same server and workers.

Its endpoints do the least a ledger endpoint could: insert one row, or `SELECT 1`. Its pool is
built exactly as the service's (infra.db.create_pool with the default settings: same sizes, same
`keep_session` reset with no round trip on release, same timeouts and session settings, read
from the same environment), so the comparison measures what the service does per request, not
a difference in pool options.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from litestar import Litestar, get, post
from litestar.datastructures import State

from infra.config import load_settings
from infra.db import create_pool

_TABLE = "CREATE TABLE IF NOT EXISTS bench_baseline (id bigint GENERATED ALWAYS AS IDENTITY, v int)"


async def create_table(dsn: str) -> None:
    """The baseline's table, made once before its workers start (two workers racing on
    CREATE TABLE IF NOT EXISTS can both try to create it, and one then fails to start)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(_TABLE)
    finally:
        await conn.close()


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    # The bench starts both apps with the same environment: same DB_POOL_MIN/MAX as the service.
    pool = await create_pool(os.environ["GAMELEDGER_DSN"], load_settings())
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
