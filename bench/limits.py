"""The physical references: durable commits with and without a hot row, straight over asyncpg."""

import asyncio
import time

import asyncpg

from bench.stats import Measure, summarise

_SETUP = """
DROP TABLE IF EXISTS bench_rows, bench_treasury;
CREATE TABLE bench_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a bigint, b text);
CREATE TABLE bench_treasury (id int PRIMARY KEY, balance bigint NOT NULL);
INSERT INTO bench_treasury VALUES (1, 0);
"""
_INSERT3 = "INSERT INTO bench_rows (a, b) VALUES ($1, 'x'), ($1, 'y'), ($1, 'z')"
_HOT = "UPDATE bench_treasury SET balance = balance + $1 WHERE id = 1"


async def _worker(conn: asyncpg.Connection, hot: bool, until: float, out: list[float]) -> None:
    n = 0
    while time.perf_counter() < until:
        start = time.perf_counter()
        async with conn.transaction():
            await conn.execute(_INSERT3, n)
            if hot:
                await conn.execute(_HOT, 1)
        out.append(time.perf_counter() - start)
        n += 1


async def commit_limit(dsn: str, concurrency: int, seconds: float, *, hot: bool) -> Measure:
    """Transactions/s that insert 3 rows (plus, with `hot`, update one shared row)."""
    setup = await asyncpg.connect(dsn)
    await setup.execute(_SETUP)
    await setup.close()
    conns = [await asyncpg.connect(dsn) for _ in range(concurrency)]
    latencies: list[float] = []
    try:
        begin = time.perf_counter()
        until = begin + seconds
        await asyncio.gather(*(_worker(c, hot, until, latencies) for c in conns))
        elapsed = time.perf_counter() - begin
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    name = "hot row" if hot else "durable commit"
    return summarise(f"{name} ({concurrency} conn)", latencies, elapsed)
