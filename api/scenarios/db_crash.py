"""Database crash: `pg_ctl stop -m immediate` and restart while the service writes.

The scenario brings its own PostgreSQL cluster (it must crash it without touching anyone
else's). Clients buy with idempotency keys and retry unknown outcomes. Each crash leaves the
database down for a few seconds: /health must say DOWN meanwhile, and once `pg_ctl start`
returns (crash recovery done) the service must acknowledge a purchase again within 10 s.
Every acknowledged purchase must survive the crashes exactly once.
"""

import asyncio
import random
import time
from collections.abc import Callable

from api.scenarios.checks import acknowledged_exactly_once, audit, caught_up
from api.scenarios.client import Api, Player, new_key
from api.scenarios.cluster import Cluster, own_cluster
from api.scenarios.database import fresh_database
from api.scenarios.outcome import Outcome
from api.scenarios.server import service_env, serving
from domain.accounts import player_account

RECOVERY_LIMIT = 10.0  # full mode; quick mode (CI, loaded) allows three times as long
DOWNTIME = 2.0


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a cluster of its own (`server_dsn` is not used)."""
    outcome = Outcome("db-crash", quick)
    writes, crashes, clients = (300, 1, 8) if quick else (5000, 3, 16)
    async with own_cluster() as pg, fresh_database(pg.dsn, "db_crash") as dsn:
        env = service_env(dsn, DB_COMMAND_TIMEOUT="2")
        async with serving(env) as server, Api(server.base, timeout=15.0) as api:
            players = [await api.player("crash") for _ in range(clients)]
            for player in players:
                await api.fund(player, 10 * writes)
            load = _Load(api, writes)
            tasks = [asyncio.create_task(load.buy(p)) for p in players]
            health = asyncio.create_task(load.poll_health())
            recoveries = await _crashes(pg, load, crashes, random.Random(3))
            load.enough.set()
            await asyncio.gather(*tasks)
            load.stop.set()
            await health
            _judge(outcome, load, recoveries, crashes, RECOVERY_LIMIT * (3 if quick else 1))
            streams = [player_account(p.user_id) for p in players]
            await acknowledged_exactly_once(outcome, dsn, streams, load.acked, "purchase")
            outcome.check(await caught_up(dsn, 60) is not None, "projectors did not catch up")
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


class _Load:
    def __init__(self, api: Api, writes: int) -> None:
        self.api = api
        self.writes = writes
        self.enough = asyncio.Event()  # the crasher is done: stop at `writes`
        self.stop = asyncio.Event()
        self.acked: dict[str, str] = {}
        self.oks: list[float] = []
        self.progress = asyncio.Condition()
        self.down = False
        self.health_down_seen = 0
        self.retries = 0

    async def buy(self, player: Player) -> None:
        while not (self.enough.is_set() and len(self.acked) >= self.writes):
            key = new_key()
            reply, attempts = await self.api.until_known(
                "POST", "/purchase", json={"item": "gold_coin"}, token=player.token, key=key
            )
            self.retries += attempts - 1
            if reply.status != 200:
                raise RuntimeError(f"purchase answered {reply.status} {reply.body}")
            self.acked[key] = reply.body["transferId"]
            self.oks.append(time.monotonic())
            async with self.progress:
                self.progress.notify_all()

    async def until(self, holds: Callable[[], bool], patience: float = 60.0) -> bool:
        """Wait (woken by each acknowledgement) until `holds()`; False after `patience`."""
        async with self.progress:
            try:
                await asyncio.wait_for(self.progress.wait_for(holds), patience)
            except TimeoutError:
                return False
        return True

    async def poll_health(self) -> None:
        while not self.stop.is_set():
            down = self.down
            reply = await self.api.call("GET", "/health")
            if down and self.down and reply.status == 503 and reply.body.get("status") == "DOWN":
                self.health_down_seen += 1
            await asyncio.sleep(0.1)


async def _crashes(pg: Cluster, load: _Load, crashes: int, rng: random.Random) -> list[float]:
    """Crash and restart the database; for each, seconds from its return to the next ack."""
    recoveries = []
    for number in range(crashes):
        target = load.writes * (number + 1) // (crashes + 1) + rng.randint(0, 20)
        await load.until(_acked_at_least(load, target))
        load.down = True
        await pg.crash()
        await asyncio.sleep(DOWNTIME)
        await pg.start()
        load.down = False
        back = time.monotonic()
        await load.until(_acked_after(load, back))
        recoveries.append(min((t for t in load.oks if t > back), default=back + 60) - back)
    return recoveries


def _acked_at_least(load: _Load, count: int) -> Callable[[], bool]:
    return lambda: len(load.acked) >= count


def _acked_after(load: _Load, moment: float) -> Callable[[], bool]:
    return lambda: bool(load.oks) and load.oks[-1] > moment


def _judge(
    outcome: Outcome, load: _Load, recoveries: list[float], crashes: int, limit: float
) -> None:
    outcome.figure("crashes", len(recoveries))
    outcome.figure("purchases acknowledged", len(load.acked))
    outcome.figure("unknown outcomes retried", load.retries)
    outcome.figure("health DOWN answers during outages", load.health_down_seen)
    outcome.figure("recovery seconds", [round(r, 2) for r in recoveries])
    outcome.check(len(recoveries) == crashes, "not every crash happened")
    outcome.check(load.health_down_seen >= crashes, "/health did not say DOWN in every outage")
    slow = [r for r in recoveries if r > limit]
    outcome.check(not slow, f"recoveries slower than {limit}s: {slow}")
