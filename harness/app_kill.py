"""App kill -9: purchases while the service is SIGKILLed and restarted, on a schedule of progress.

Clients buy with a fresh idempotency key per purchase and retry an unknown outcome (no answer,
503) with the same key until the service answers. Each kill strikes once so many purchases have
been acknowledged, and the clients buy until every kill has happened and the service has
acknowledged a purchase after the last one. Then every acknowledged purchase must be in the log
exactly once (0 lost, 0 duplicated) and every purchase in the log must have been acknowledged,
with the transfer id the client was given.
"""

import asyncio
import random
import time

from domain.accounts import player_account
from harness.checks import acknowledged_exactly_once, audit, caught_up
from harness.client import Api, Player, new_key
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.schedule import Schedule, spread
from harness.server import ServerProcess, service_env, serving

PRICE = 10
REFILL = 10_000  # diamonds a buyer tops up whenever its wallet runs dry


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("app-kill", quick)
    purchases, kills, clients = (400, 2, 8) if quick else (10_000, 5, 16)
    schedule = Schedule(
        "SIGKILLs", "purchases", spread(kills, purchases, random.Random(9)), purchases,
        patience=240.0 if quick else 1800.0,
    )  # fmt: skip
    async with (
        fresh_database(server_dsn, "app_kill") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base, timeout=10.0, connections=clients + 8) as api,
    ):
        players = [await api.player("killed") for _ in range(clients)]
        acked: dict[str, str] = {}
        stats = {"attempts": 0, "unknown": 0}
        began = time.monotonic()
        buyers = [asyncio.create_task(_buy(api, p, schedule, acked, stats)) for p in players]
        restarts = await schedule.run(lambda _: _kill_and_restart(server))
        await asyncio.gather(*buyers)
        outcome.figure("purchases acknowledged", len(acked))
        outcome.figure("load seconds", round(time.monotonic() - began, 1))
        outcome.figure("restart to ready seconds (max)", round(max(restarts, default=0), 2))
        outcome.figure("requests sent", stats["attempts"])
        outcome.figure("unknown outcomes retried", stats["unknown"])
        schedule.judge(outcome)
        streams = [player_account(p.user_id) for p in players]
        await acknowledged_exactly_once(outcome, dsn, streams, acked, "purchase")
        lag = await caught_up(dsn, 60)
        outcome.check(lag is not None, "the projectors did not catch up after the kills")
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _buy(
    api: Api, player: Player, schedule: Schedule, acked: dict[str, str], stats: dict[str, int]
) -> None:
    """Purchases until the schedule has had its kills and its load; tops up when dry."""
    balance = 0
    while schedule.load_wanted:
        if balance < PRICE:
            await api.fund(player, REFILL)
            balance += REFILL
        key = new_key()
        reply, attempts = await api.until_known(
            "POST", "/purchase", json={"item": "gold_coin"}, token=player.token, key=key
        )
        stats["attempts"] += attempts
        stats["unknown"] += attempts - 1
        if reply.status != 200:
            raise RuntimeError(f"purchase answered {reply.status} {reply.body}")
        acked[key] = reply.body["transferId"]
        balance = reply.body["balance"]
        schedule.ack()


async def _kill_and_restart(server: ServerProcess) -> float:
    """SIGKILL the service and start it again; the seconds until it was ready."""
    await server.kill()
    return await server.start()
