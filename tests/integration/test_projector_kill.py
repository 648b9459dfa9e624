"""A projector process SIGKILLed at random points while the ledger is written to.

After every kill a new process takes over from the checkpoint. At the end the read models must
equal a full rebuild, each projector must have applied each event exactly once, and the audit
must pass. GAMELEDGER_KILL_EVENTS sets how many events are written: the default keeps the test
short on a small machine; the issue's 20,000 passes too (about a minute on two busy cores).
"""

import asyncio
import contextlib
import os
import random
import signal
import sys
from pathlib import Path

import asyncpg
import pytest

from domain.commands import EconomyRules
from domain.errors import StreamVersionConflict
from projections.audit import run_audit, summary
from projections.rebuild import rebuild
from projections.registry import PROJECTIONS
from service.ledger import LedgerService
from tests.integration.projection_support import dump_models, play, sign_up_players
from tests.ledgers import ledger_over

EVENTS = max(2000, int(os.environ.get("GAMELEDGER_KILL_EVENTS", "5000")))
WRITERS = 16
RULES = EconomyRules(shard_count=16)  # as many shards as writers: few version conflicts
ROOT = Path(__file__).resolve().parents[2]


async def start_projector(dsn: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "TREASURY_SHARDS": str(RULES.shard_count), "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "projections", dsn, "--poll", "0.05",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def write_until(ledger: LedgerService, pool: asyncpg.Pool, events: int) -> None:
    players = await sign_up_players(ledger, WRITERS, prefix="killtest")
    rng = random.Random(20)

    async def writer(pid: str, seed: float) -> None:
        mine = random.Random(seed)
        while await pool.fetchval("SELECT count(*) < $1 FROM events", events):
            with contextlib.suppress(StreamVersionConflict):  # a refusal is a fine outcome
                await play(ledger, pid, 3, mine)

    await asyncio.gather(*(writer(pid, rng.random()) for pid in players))


async def caught_up(pool: asyncpg.Pool) -> None:
    total = await pool.fetchval("SELECT count(*) FROM events")
    async with asyncio.timeout(60):
        while True:
            applied = await pool.fetch("SELECT events_applied FROM projector_checkpoints")
            caught = all(r["events_applied"] >= total for r in applied)
            if len(applied) == len(PROJECTIONS) and caught:
                return
            await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_sigkilled_projectors_lose_and_repeat_nothing(
    pool: asyncpg.Pool, db_dsn: str
) -> None:
    ledger = ledger_over(pool, RULES)
    assert await ledger.seed_genesis()
    rng = random.Random(1)
    process = await start_projector(db_dsn)
    writing = asyncio.create_task(write_until(ledger, pool, EVENTS))
    kills = 0
    try:
        while not writing.done():
            await asyncio.wait([writing], timeout=rng.uniform(0.05, 0.6))
            process.send_signal(signal.SIGKILL)
            await process.wait()
            kills += 1
            process = await start_projector(db_dsn)
        await writing
        await caught_up(pool)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            assert await process.wait() == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    assert kills >= 3
    total = await pool.fetchval("SELECT count(*) FROM events")
    assert total >= EVENTS
    applied = await pool.fetch("SELECT name, events_applied FROM projector_checkpoints")
    assert {r["events_applied"] for r in applied} == {total}  # exactly once, each of them
    live = await dump_models(pool)
    await rebuild(pool)
    assert await dump_models(pool) == live
    async with pool.acquire() as conn:
        report = await run_audit(conn, genesis_supply=RULES.genesis_supply)
    assert report.ok, summary(report)
