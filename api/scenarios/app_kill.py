"""App kill -9: purchases while the service is SIGKILLed at random moments and restarted.

Clients buy with a fresh idempotency key per purchase and retry an unknown outcome (no answer,
503) with the same key until the service answers. After the load every acknowledged purchase
must be in the log exactly once (0 lost, 0 duplicated) and every purchase in the log must have
been acknowledged, with the transfer id the client was given.
"""

import asyncio
import random
import time

from api.scenarios.checks import acknowledged_exactly_once, audit, caught_up
from api.scenarios.client import Api, Player, new_key
from api.scenarios.database import fresh_database
from api.scenarios.outcome import Outcome
from api.scenarios.server import ServerProcess, service_env, serving
from domain.accounts import player_account

PRICE = 10


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("app-kill", quick)
    purchases, kills, clients = (400, 2, 8) if quick else (10_000, 5, 16)
    async with (
        fresh_database(server_dsn, "app_kill") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base, timeout=10.0, connections=clients + 8) as api,
    ):
        players = [await api.player("killed") for _ in range(clients)]
        share = -(-purchases // clients)
        for player in players:
            await api.fund(player, share * PRICE)
        acked: dict[str, str] = {}
        stats = {"attempts": 0, "unknown": 0}
        began = time.monotonic()
        buyers = [asyncio.create_task(_buy(api, p, share, acked, stats)) for p in players]
        restarts = await _killer(server, buyers, kills, random.Random(9))
        await asyncio.gather(*buyers)
        outcome.figure("purchases acknowledged", len(acked))
        outcome.figure("load seconds", round(time.monotonic() - began, 1))
        outcome.figure("SIGKILLs", len(restarts))
        outcome.figure("restart to ready seconds (max)", round(max(restarts, default=0), 2))
        outcome.figure("requests sent", stats["attempts"])
        outcome.figure("unknown outcomes retried", stats["unknown"])
        outcome.check(len(restarts) == kills, f"{len(restarts)} of {kills} kills happened")
        outcome.check(len(acked) == share * clients, "not every purchase was acknowledged")
        streams = [player_account(p.user_id) for p in players]
        await acknowledged_exactly_once(outcome, dsn, streams, acked, "purchase")
        lag = await caught_up(dsn, 60)
        outcome.check(lag is not None, "the projectors did not catch up after the kills")
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _buy(
    api: Api, player: Player, count: int, acked: dict[str, str], stats: dict[str, int]
) -> None:
    for _ in range(count):
        key = new_key()
        reply, attempts = await api.until_known(
            "POST", "/purchase", json={"item": "gold_coin"}, token=player.token, key=key
        )
        stats["attempts"] += attempts
        stats["unknown"] += attempts - 1
        if reply.status != 200:
            raise RuntimeError(f"purchase answered {reply.status} {reply.body}")
        acked[key] = reply.body["transferId"]


async def _killer(
    server: ServerProcess, buyers: list[asyncio.Task[None]], kills: int, rng: random.Random
) -> list[float]:
    """SIGKILL and restart the server `kills` times while the buyers run; restart durations."""
    restarts: list[float] = []
    pause = 1.0 if kills <= 2 else 3.0
    while len(restarts) < kills and not all(b.done() for b in buyers):
        await asyncio.wait(buyers, timeout=rng.uniform(0.3, pause))
        if all(b.done() for b in buyers):
            break
        await server.kill()
        restarts.append(await server.start())
    return restarts
