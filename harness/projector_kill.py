"""Projector crash + late commits: SIGKILL `gameledger project` again and again under load.

HTTP clients top up and buy while late writers hold their transactions open ~2 s after
appending. The projector process is SIGKILLed and restarted each time the clients have had so
many writes acknowledged, and they write until every kill has happened. When the load stops:
each projector must have applied every event exactly once (0 skipped, 0 repeated), the read
models must equal a rebuild from the log, the lag after the last write is reported, and the
audit passes.
"""

import asyncio
import contextlib
import os
import random
import sys
import time

from harness import processes
from harness.checks import audit, caught_up, dump_models
from harness.client import Api, Player, new_key
from harness.database import fresh_database
from harness.late_writer import late_writes
from harness.outcome import Outcome
from harness.schedule import Schedule, spread
from harness.server import ROOT, service_env, serving
from infra.config import Settings
from infra.db import create_pool
from projections.rebuild import rebuild

HOLD = 2.0


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("projector-kill", quick)
    writes, kills, clients, late = (600, 3, 6, 2) if quick else (12_000, 10, 16, 4)
    schedule = Schedule(
        "SIGKILLs of the projector", "writes", spread(kills, writes, random.Random(4)), writes,
        patience=240.0 if quick else 1800.0,
    )  # fmt: skip
    async with fresh_database(server_dsn, "projector_kill") as dsn:
        env = service_env(dsn, RUN_PROJECTORS="false")
        async with serving(env) as server, Api(server.base) as api:
            players = [await api.player("proj") for _ in range(clients + late)]
            for player in players[clients:]:
                await api.fund(player, 50_000)
            projector = _Projector(dsn)
            await projector.start()
            stop = asyncio.Event()
            writers = [asyncio.create_task(_write(api, p, schedule)) for p in players[:clients]]
            slow = [
                asyncio.create_task(late_writes(dsn, p.user_id, HOLD, stop))
                for p in players[clients:]
            ]
            await schedule.run(lambda _: projector.restart())
            await asyncio.gather(*writers)
            stop.set()
            late_commits = sum(await asyncio.gather(*slow))
            lag = await caught_up(dsn, 120)
            status = await projector.stop()
        schedule.judge(outcome)
        outcome.figure("late commits (held 2 s)", late_commits)
        outcome.figure("lag after the last write, s", None if lag is None else round(lag, 3))
        outcome.check(lag is not None, "the projectors did not catch up")
        outcome.check(status == 0, f"the projector exited with {status} on SIGTERM")
        await _exactly_once(outcome, dsn)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


class _Projector:
    """`gameledger project` as its own process, SIGKILLed and restarted at will."""

    def __init__(self, dsn: str) -> None:
        self.env = {**os.environ, "DATABASE_URL": dsn, "LOG_LEVEL": "WARNING"}
        self.process: processes.Process | None = None

    async def start(self) -> None:
        self.process = await processes.spawn(
            sys.executable, "-m", "cli.main", "project", cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    async def restart(self) -> None:
        """SIGKILL, then start a new process at once."""
        if self.process is not None:
            await processes.kill(self.process)
        await self.start()

    async def stop(self) -> int | None:
        """SIGTERM and wait; the exit status."""
        return None if self.process is None else await processes.stop(self.process, 30)


async def _write(api: Api, player: Player, schedule: Schedule) -> None:
    """Top-ups and purchases until the schedule has had its kills and its load."""
    rng = random.Random(player.user_id)
    while schedule.load_wanted:
        body: dict[str, int | str]
        if rng.random() < 0.5:
            path, body = "/top-up", {"amount": rng.randint(10, 200)}
        else:
            path, body = "/purchase", {"item": "gold_coin"}
        reply, _ = await api.until_known("POST", path, json=body, token=player.token, key=new_key())
        if reply.status == 200:
            schedule.ack()


async def _exactly_once(outcome: Outcome, dsn: str) -> None:
    pool = await create_pool(dsn, Settings(environment="test"), min_size=1, max_size=2)
    try:
        total = await pool.fetchval("SELECT count(*) FROM events")
        rows = await pool.fetch("SELECT name, events_applied FROM projector_checkpoints")
        outcome.figure("events", total)
        outcome.figure("applied per projector", {r["name"]: r["events_applied"] for r in rows})
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
