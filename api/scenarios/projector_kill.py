"""Projector crash + late commits: SIGKILL `gameledger project` again and again under load.

HTTP clients top up and buy while late writers hold their transactions open ~2 s after
appending. The projector process is SIGKILLed at random moments and restarted. When the load
stops: each projector must have applied every event exactly once (0 skipped, 0 repeated), the
read models must equal a rebuild from the log, the lag after the last write is reported, and
the audit passes.
"""

import asyncio
import contextlib
import os
import random
import signal
import sys
import time

import asyncpg

from api.scenarios.checks import audit, caught_up, dump_models
from api.scenarios.client import Api, Player, new_key
from api.scenarios.database import fresh_database
from api.scenarios.late_writer import late_writes
from api.scenarios.outcome import Outcome
from api.scenarios.server import ROOT, service_env, serving
from infra.config import Settings
from infra.db import create_pool
from projections.rebuild import rebuild

HOLD = 2.0


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("projector-kill", quick)
    events, kills, clients, late = (1000, 3, 6, 2) if quick else (20_000, 10, 16, 4)
    async with fresh_database(server_dsn, "projector_kill") as dsn:
        env = service_env(dsn, RUN_PROJECTORS="false")
        async with serving(env) as server, Api(server.base) as api:
            players = [await api.player("proj") for _ in range(clients + late)]
            for player in players[clients:]:
                await api.fund(player, 50_000)
            projector = await _start(dsn)
            stop, enough = asyncio.Event(), asyncio.Event()
            writers = [
                asyncio.create_task(_write(api, p, dsn, events, enough)) for p in players[:clients]
            ]
            slow = [
                asyncio.create_task(late_writes(dsn, p.user_id, HOLD, stop))
                for p in players[clients:]
            ]
            projector, done_kills = await _kill_loop(projector, dsn, kills, quick)
            enough.set()
            await asyncio.gather(*writers)
            stop.set()
            late_commits = sum(await asyncio.gather(*slow))
            lag = await caught_up(dsn, 120)
            projector.send_signal(signal.SIGTERM)
            status = await asyncio.wait_for(projector.wait(), 30)
        outcome.figure("SIGKILLs", done_kills)
        outcome.figure("late commits (held 2 s)", late_commits)
        outcome.figure("lag after the last write, s", None if lag is None else round(lag, 3))
        outcome.check(done_kills == kills, f"{done_kills} of {kills} kills happened")
        outcome.check(lag is not None, "the projectors did not catch up")
        outcome.check(status == 0, f"the projector exited with {status} on SIGTERM")
        await _exactly_once(outcome, dsn, events)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _start(dsn: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "DATABASE_URL": dsn, "LOG_LEVEL": "WARNING"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "project", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def _kill_loop(
    projector: asyncio.subprocess.Process, dsn: str, kills: int, quick: bool
) -> tuple[asyncio.subprocess.Process, int]:
    """SIGKILL and restart the projector `kills` times; the process running at the end."""
    rng = random.Random(4)
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(0.2, 1.0) if quick else rng.uniform(0.5, 3.0))
        projector.send_signal(signal.SIGKILL)
        await projector.wait()
        projector = await _start(dsn)
    return projector, kills


async def _write(api: Api, player: Player, dsn: str, events: int, enough: asyncio.Event) -> None:
    """Top-ups and purchases until the kills are done and `events` are in the log."""
    rng = random.Random(player.user_id)
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        while not enough.is_set() or await conn.fetchval(
            "SELECT count(*) < $1 FROM events", events
        ):
            for _ in range(10):
                body: dict[str, int | str]
                if rng.random() < 0.5:
                    path, body = "/top-up", {"amount": rng.randint(10, 200)}
                else:
                    path, body = "/purchase", {"item": "gold_coin"}
                await api.until_known("POST", path, json=body, token=player.token, key=new_key())
    finally:
        await conn.close()


async def _exactly_once(outcome: Outcome, dsn: str, target: int) -> None:
    pool = await create_pool(dsn, Settings(environment="test"), min_size=1, max_size=2)
    try:
        total = await pool.fetchval("SELECT count(*) FROM events")
        rows = await pool.fetch("SELECT name, events_applied FROM projector_checkpoints")
        outcome.figure("events", total)
        outcome.figure("applied per projector", {r["name"]: r["events_applied"] for r in rows})
        outcome.check(total >= target, f"only {total} events were written")
        wrong = {r["name"]: r["events_applied"] for r in rows if r["events_applied"] != total}
        outcome.check(not wrong, f"projectors that skipped or repeated events: {wrong}")
        async with pool.acquire() as conn:
            live = await dump_models(conn)
        began = time.monotonic()
        await rebuild(pool)
        outcome.figure("rebuild seconds", round(time.monotonic() - began, 2))
        async with pool.acquire() as conn:
            rebuilt = await dump_models(conn)
        differ = [t for t in live if live[t] != rebuilt[t]]
        outcome.check(not differ, f"read models differ from a rebuild: {differ}")
    finally:
        with contextlib.suppress(Exception):
            await pool.close()
