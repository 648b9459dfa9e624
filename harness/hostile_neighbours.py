"""Hostile neighbours: honest players and an honest game server share the service with attackers.

Honest players buy, gift and trade; game server A places holds on them and settles its matches;
A also rewards hostile players through the batch endpoint. At the same time:
- hostile players send text PostgreSQL cannot store (NUL, lone surrogates) in bodies, queries
  and headers, so group commit puts it in the same statements as the honest writes;
- they reuse the honest players' idempotency keys, and use A's reward keys first on their own
  top-ups;
- they flood the service with oversized headers and request lines;
- game server B attacks A's holds (read, capture, void, settle them to itself) and tries to pay
  itself and to receive gifts.

Then: no honest request failed, no hostile request was answered 2xx or 5xx, every reward was
applied once, and the audit passes.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.app import CHEAP_HASHER
from harness.checks import audit
from harness.client import PASSWORD, RETRYABLE, Api, Player, Reply
from harness.database import fresh_database
from harness.neighbours import Hostile, honest_key
from harness.outcome import Outcome
from harness.server import service_env, serving
from infra.config import Settings
from infra.db import create_pool
from service.admins import create_admin

STAKE = 20
UNKNOWN = frozenset({0, 502, 503, 504})  # no definite answer: retry with the same key


@dataclass
class Honest:
    """What honest callers asked for and what they got back."""

    api: Api
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    keys_seen: dict[str, str] = field(default_factory=dict)  # key -> transfer id

    async def write(self, path: str, body: Any, token: str, key: str) -> Reply:
        """One honest write, retried with its key while the outcome is unknown."""
        self.sent += 1
        for pause in (0.05, 0.1, 0.2, *([0.5] * 100)):
            reply = await self.api.call("POST", path, json=body, token=token, key=key)
            if reply.status not in UNKNOWN and reply.problem_type != "version-conflict":
                break
            await asyncio.sleep(pause)
        if reply.status not in (200, 201):
            self.failures.append(f"{path} {reply.status} {reply.problem_type} {reply.body}")
        elif isinstance(reply.body, dict) and "transferId" in reply.body:
            self.keys_seen[key] = reply.body["transferId"]
        return reply


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("hostile-neighbours", quick)
    players, attackers, rounds = (6, 3, 3) if quick else (24, 8, 25)
    async with (
        fresh_database(server_dsn, "neighbours") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base, connections=4 * (players + attackers) + 16) as api,
    ):
        server_a, server_b = await _game_servers(api, dsn)
        crowd = [await _funded(api, "honest") for _ in range(players)]
        hostile = Hostile(api, server.base, server_a, server_b, crowd)
        hostile.players = [await _funded(api, "hostile") for _ in range(attackers)]
        honest = Honest(api)
        began = time.monotonic()
        tasks = [_player_loop(honest, crowd, n, rounds) for n in range(players)]
        tasks += [_server_loop(honest, hostile, crowd, server_a, rounds)]
        tasks += [hostile.loop(n, rounds) for n in range(attackers)]
        await asyncio.gather(*tasks)
        outcome.figure("load seconds", round(time.monotonic() - began, 1))
        outcome.figure("honest requests", honest.sent)
        outcome.figure("hostile requests", sum(hostile.answers.values()))
        outcome.figure("hostile answers", dict(sorted(hostile.answers.items())))
        outcome.check(not honest.failures, f"honest requests failed: {honest.failures[:5]}")
        bad = hostile.wrong_answers
        outcome.check(not bad, f"hostile requests answered 2xx or 5xx: {bad[:5]}")
        outcome.check(hostile.rewards_applied(), f"rewards not applied once: {hostile.rewards}")
        await _distinct_transfers(outcome, honest)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _player_loop(honest: Honest, crowd: list[Player], n: int, rounds: int) -> None:
    """Player n buys, gifts the next player and trades a coin with them, `rounds` times.

    Its keys are plain and guessable on purpose (`p<n>-<round>-<what>`): the attackers send
    the same keys on their own requests.
    """
    me, other = crowd[n], crowd[(n + 1) % len(crowd)]
    for r in range(rounds):
        await honest.write("/purchase", {"item": "gold_coin"}, me.token, honest_key(n, r, "buy"))
        gift = {"to": other.username, "asset": "diamond", "amount": 5, "memo": "gg"}
        await honest.write("/transfers", gift, me.token, honest_key(n, r, "gift"))
        offer = {"to": other.username, "give": {"gold_coin": 1}, "want": {"diamond": 3}}
        made = await honest.write("/trades", {**offer, "expiresIn": 600}, me.token,
                                  honest_key(n, r, "offer"))  # fmt: skip
        if made.status == 201:
            path = f"/trades/{made.body['tradeId']}/accept"
            await honest.write(path, None, other.token, honest_key(n, r, "accept"))


async def _server_loop(
    honest: Honest, hostile: Hostile, crowd: list[Player], token: str, rounds: int
) -> None:
    """Game server A: a match of two stakes settled to one of them, and rewards, each round.

    Each hold id is handed to the attacking server B before A settles it.
    """
    for r in range(rounds):
        seats = [crowd[r % len(crowd)], crowd[(r + 1) % len(crowd)]]
        holds = []
        for s, p in enumerate(seats):
            body = {"player": p.username, "asset": "diamond", "amount": STAKE, "expiresIn": 600}
            placed = await honest.write("/holds", body, token, f"a-hold-{r}-{s}")
            if placed.status == 201:
                holds.append(placed.body["holdId"])
        await hostile.attack_holds(holds)
        payout = [{"to": seats[0].username, "amount": STAKE * len(holds)}]
        await honest.write("/settlements", {"holds": holds, "payouts": payout}, token, f"a-{r}")
        await hostile.reward(r)


async def _distinct_transfers(outcome: Outcome, honest: Honest) -> None:
    """Every honest key answered its own transfer: no reply was another caller's."""
    ids = Counter(honest.keys_seen.values())
    shared = [t for t, n in ids.items() if n > 1]
    outcome.check(not shared, f"honest keys answered with one transfer: {shared[:3]}")


async def _game_servers(api: Api, dsn: str) -> tuple[str, str]:
    settings = Settings(environment="test")
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        for name in ("server_a", "server_b"):
            await create_admin(pool, settings, name, PASSWORD, CHEAP_HASHER, role="service")
    finally:
        await pool.close()
    return await api.login("server_a"), await api.login("server_b")


async def _funded(api: Api, prefix: str) -> Player:
    player = await api.player(prefix)
    await api.fund(player, 5_000)
    reply, _ = await api.until_known(
        "POST", "/purchase", json={"item": "gold_coin", "quantity": 40}, token=player.token,
        key=f"setup-{player.user_id}",
    )  # fmt: skip
    if reply.status in RETRYABLE or reply.status != 200:
        raise RuntimeError(f"setup purchase failed: {reply.status} {reply.body}")
    return player
