"""Database crash: `pg_ctl stop -m immediate` and restart while the service writes.

The scenario brings its own PostgreSQL cluster (it must crash it without touching anyone
else's). Clients buy with idempotency keys and retry unknown outcomes. Each crash leaves the
database down for a few seconds: /health must say DOWN meanwhile, and once `pg_ctl start`
returns (crash recovery done) the service must acknowledge a purchase again within 10 s. Each
crash strikes once so many purchases are acknowledged, and the clients buy until every crash
has happened. Every acknowledged purchase must survive the crashes exactly once.
"""

import asyncio
import random
import time

from domain.accounts import player_account
from harness.checks import acknowledged_exactly_once, audit, caught_up
from harness.client import Api, Player, new_key
from harness.cluster import Cluster, own_cluster
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.schedule import Schedule, spread
from harness.server import service_env, serving

RECOVERY_LIMIT = 10.0  # full mode; quick mode (CI, loaded) allows three times as long
DOWNTIME = 2.0


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a cluster of its own (`server_dsn` is not used)."""
    outcome = Outcome("db-crash", quick)
    writes, crashes, clients = (300, 1, 8) if quick else (5000, 3, 16)
    schedule = Schedule(
        "crashes", "purchases", spread(crashes, writes, random.Random(3)), writes,
        patience=240.0 if quick else 1800.0,
    )  # fmt: skip
    async with own_cluster() as pg, fresh_database(pg.dsn, "db_crash") as dsn:
        env = service_env(dsn, DB_COMMAND_TIMEOUT="2")
        async with serving(env) as server, Api(server.base, timeout=15.0) as api:
            players = [await api.player("crash") for _ in range(clients)]
            for player in players:
                await api.fund(player, 10 * writes)
            load = _Load(api, schedule)
            tasks = [asyncio.create_task(load.buy(p)) for p in players]
            health = asyncio.create_task(load.poll_health())
            recoveries = await schedule.run(lambda _: _crash(pg, load))
            await asyncio.gather(*tasks)
            load.stop.set()
            await health
            schedule.judge(outcome)
            _judge(outcome, load, recoveries, RECOVERY_LIMIT * (3 if quick else 1))
            streams = [player_account(p.user_id) for p in players]
            await acknowledged_exactly_once(outcome, dsn, streams, load.acked, "purchase")
            outcome.check(await caught_up(dsn, 60) is not None, "projectors did not catch up")
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


class _Load:
    def __init__(self, api: Api, schedule: Schedule) -> None:
        self.api = api
        self.schedule = schedule
        self.stop = asyncio.Event()
        self.acked: dict[str, str] = {}
        self.oks: list[float] = []
        self.down = False
        self.health_down_seen = 0
        self.retries = 0

    async def buy(self, player: Player) -> None:
        while self.schedule.load_wanted:
            key = new_key()
            reply, attempts = await self.api.until_known(
                "POST", "/purchase", json={"item": "gold_coin"}, token=player.token, key=key
            )
            self.retries += attempts - 1
            if reply.status != 200:
                raise RuntimeError(f"purchase answered {reply.status} {reply.body}")
            self.acked[key] = reply.body["transferId"]
            self.oks.append(time.monotonic())
            self.schedule.ack()

    async def poll_health(self) -> None:
        while not self.stop.is_set():
            down = self.down
            reply = await self.api.call("GET", "/health")
            if down and self.down and reply.status == 503 and reply.body.get("status") == "DOWN":
                self.health_down_seen += 1
            await asyncio.sleep(0.1)


async def _crash(pg: Cluster, load: _Load) -> float:
    """Crash and restart the database; seconds from its return to the next acknowledgement."""
    load.down = True
    await pg.crash()
    await asyncio.sleep(DOWNTIME)  # the outage itself: /health must say DOWN meanwhile
    await pg.start()
    load.down = False
    back = time.monotonic()
    await load.schedule.more(1)
    return min((t for t in load.oks if t > back), default=back + 60) - back


def _judge(outcome: Outcome, load: _Load, recoveries: list[float], limit: float) -> None:
    outcome.figure("purchases acknowledged", len(load.acked))
    outcome.figure("unknown outcomes retried", load.retries)
    outcome.figure("health DOWN answers during outages", load.health_down_seen)
    outcome.figure("recovery seconds", [round(r, 2) for r in recoveries])
    outcome.check(
        load.health_down_seen >= len(recoveries), "/health did not say DOWN in every outage"
    )
    slow = [r for r in recoveries if r > limit]
    outcome.check(not slow, f"recoveries slower than {limit}s: {slow}")
