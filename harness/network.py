"""Network faults between the service and PostgreSQL: black hole, reset and latency cycles.

A fault proxy sits between the service (and its projectors) and PostgreSQL. Under a steady
purchase load it cycles: normal, black hole (nothing moves for longer than the command
timeout), normal, reset of every connection, normal, +200 ms per hop. Each fault lasts its own
time; each normal stretch lasts until the service has acknowledged a purchase per client again,
and the clients buy until every cycle has happened. Every request must get
an answer before the client's timeout: 200, or a 503 problem (with Retry-After) while the
database is unreachable. Clients retry unknown outcomes with the same key; in the end every
acknowledged purchase is in the log exactly once and the audit passes.
"""

import asyncio
import contextlib
import time
from collections import Counter

from api.ops.health import PROBE_TIMEOUT
from domain.accounts import player_account
from harness.checks import acknowledged_exactly_once, audit, caught_up
from harness.client import Api, Player, Reply, new_key
from harness.database import fresh_database
from harness.outcome import Outcome, ms, percentile
from harness.proxy import FaultProxy, Mode
from harness.schedule import Schedule
from harness.server import service_env, serving
from harness.wire import through

CLIENT_TIMEOUT = 15.0
COMMAND_TIMEOUT = 2.0
# The longest a request may take while the database hangs: its statement times out, the pool
# then waits as long again for PostgreSQL to acknowledge the cancellation, plus a connect.
# Quick mode (CI, loaded machines) only requires an answer before the client's timeout.
ANSWER_BOUND = 3 * COMMAND_TIMEOUT + 2.0
# /health never waits for a cancellation (api/ops/health.py): its probe's deadline, plus slack.
HEALTH_BOUND = PROBE_TIMEOUT + 1.0
FAULTS: tuple[tuple[Mode, float], ...] = (("blackhole", 6.0), ("reset", 1.0), ("latency", 2.0))
FIRST_CYCLE = 20  # purchases acknowledged before the first fault


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("network", quick)
    cycles, clients = (1, 8) if quick else (20, 16)
    at = [FIRST_CYCLE * (n + 1) for n in range(cycles)]
    schedule = Schedule("fault cycles", "purchases", at, 0, 240.0 if quick else 1800.0)
    async with fresh_database(server_dsn, "network") as dsn:
        proxy = FaultProxy(dsn, delay=0.2)
        await proxy.start()
        env = service_env(through(dsn, proxy.port), DB_COMMAND_TIMEOUT=str(COMMAND_TIMEOUT))
        try:
            async with serving(env) as server, Api(server.base, CLIENT_TIMEOUT) as api:
                players = [await api.player("net") for _ in range(clients)]
                for player in players:
                    await api.fund(player, 10_000 if quick else 200_000)
                load = _Load(api, schedule)
                tasks = [asyncio.create_task(load.buy(p)) for p in players]
                health = asyncio.gather(load.poll_health(0.0), load.poll_health(0.5))
                cycled = await schedule.run(lambda _: _cycle(proxy, load, clients))
                heals = [heal for cycle in cycled for heal in cycle]
                await asyncio.gather(*tasks)
                load.stop.set()
                await health
                schedule.judge(outcome)
                recoveries = _recoveries(load, heals)
                bounds = (CLIENT_TIMEOUT,) * 2 if quick else (ANSWER_BOUND, HEALTH_BOUND)
                _judge(outcome, load, proxy, recoveries, bounds)
                streams = [player_account(p.user_id) for p in players]
                await acknowledged_exactly_once(outcome, dsn, streams, load.acked, "purchase")
                outcome.check(await caught_up(dsn, 60) is not None, "projectors did not catch up")
        finally:
            await proxy.close()
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


class _Load:
    def __init__(self, api: Api, schedule: Schedule) -> None:
        self.api = api
        self.schedule = schedule
        self.stop = asyncio.Event()
        self.replies: list[Reply] = []
        self.acked: dict[str, str] = {}
        self.mode: Mode = "pass"
        self.mode_since = time.monotonic()
        self.health: Counter[str] = Counter()
        self.health_seconds: list[float] = []
        self.health_down: list[tuple[float, float]] = []  # (sent, answered) of each DOWN
        self.blackholes: list[tuple[float, float]] = []
        self.oks: list[float] = []

    async def buy(self, player: Player) -> None:
        while self.schedule.load_wanted:
            key = new_key()
            reply, _ = await self.api.until_known(
                "POST", "/purchase", json={"item": "gold_coin"}, token=player.token, key=key,
                deadline=120.0, seen=self.replies,
            )  # fmt: skip
            if reply.status == 200:
                self.acked[key] = reply.body["transferId"]
                self.oks.append(time.monotonic())
                self.schedule.ack()

    async def poll_health(self, offset: float) -> None:
        await asyncio.sleep(offset)
        while not self.stop.is_set():
            mode, sent = self.mode, time.monotonic()
            reply = await self.api.call("GET", "/health")
            self.health[f"{mode}: {reply.status}"] += 1
            self.health_seconds.append(reply.seconds)
            if reply.status == 503:
                self.health_down.append((sent, time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 0.1)

    def down_during_blackholes(self) -> int:
        """DOWN answers whose request overlapped a black hole."""
        return sum(
            1
            for sent, answered in self.health_down
            if any(sent < end and answered > start for start, end in self.blackholes)
        )


async def _cycle(proxy: FaultProxy, load: _Load, healed: int) -> list[float]:
    """Each fault for its time, then normal until `healed` more purchases; the healing times."""
    heals: list[float] = []
    for mode, seconds in FAULTS:
        proxy.set_mode(mode)
        load.mode, load.mode_since = mode, time.monotonic()
        await asyncio.sleep(seconds)  # the fault's duration (a black hole outlasts a timeout)
        proxy.set_mode("pass")
        now = time.monotonic()
        if mode == "blackhole":
            load.blackholes.append((load.mode_since, now))
        if mode in ("blackhole", "reset"):
            heals.append(now)
        load.mode, load.mode_since = "pass", now
        if not await load.schedule.more(healed):
            break
    return heals


def _recoveries(load: _Load, heals: list[float]) -> list[float]:
    """Seconds from each healing to the next acknowledged purchase."""
    return [min((t for t in load.oks if t >= heal), default=heal + 60) - heal for heal in heals]


def _judge(
    outcome: Outcome,
    load: _Load,
    proxy: FaultProxy,
    recoveries: list[float],
    bounds: tuple[float, float],
) -> None:
    """Verdicts; `bounds` are the longest a request and a /health call may take."""
    replies = load.replies
    seconds = [r.seconds for r in replies]
    statuses = Counter(f"{r.status} {r.problem_type or r.error}".strip() for r in replies)
    outcome.figure("requests", len(replies))
    outcome.figure("answers", dict(statuses))
    outcome.figure("request p50 ms", ms(percentile(seconds, 50)))
    outcome.figure("request p99 ms", ms(percentile(seconds, 99)))
    outcome.figure("request max ms", ms(max(seconds, default=0)))
    outcome.figure("health answers by mode", dict(load.health))
    outcome.figure("health max ms", ms(max(load.health_seconds, default=0)))
    outcome.figure("proxy", dict(proxy.counts))
    outcome.figure("recovery after healing, max s", round(max(recoveries, default=0), 2))
    hung = [r for r in replies if r.status == 0]
    outcome.check(not hung, f"{len(hung)} requests got no answer within {CLIENT_TIMEOUT}s")
    slow = [round(s, 2) for s in seconds if s > bounds[0]]
    outcome.check(not slow, f"answers slower than {bounds[0]}s: {slow[:10]}")
    slow = [round(s, 2) for s in load.health_seconds if s > bounds[1]]
    outcome.check(not slow, f"/health answers slower than {bounds[1]}s: {slow[:10]}")
    wrong = [r for r in replies if r.status not in (200, 503)]
    outcome.check(not wrong, f"answers other than 200/503: {Counter(r.status for r in wrong)}")
    bad_503 = [
        r
        for r in replies
        if r.status == 503
        and (r.problem_type != "database-unavailable" or "retry-after" not in r.headers)
    ]
    outcome.check(not bad_503, f"{len(bad_503)} 503s without problem details and Retry-After")
    outcome.check(statuses.get("503 database-unavailable", 0) > 0, "no fault was ever noticed")
    outcome.figure("health DOWN answers overlapping a black hole", load.down_during_blackholes())
    outcome.check(load.down_during_blackholes() > 0, "/health never said DOWN in a black hole")
