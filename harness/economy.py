"""Economy: players gift, trade and stake in matches that a game server settles, while the
service is SIGKILLed and restarted on a schedule of progress.

Every write carries a fresh idempotency key and is retried with it until the service gives a
definite answer. Offers and holds expire within seconds, so the expirer (one process at a time,
working off the read models) races accepts, captures and settlements throughout. At the end the
service is stopped and, per asset:
- every acknowledged gift, offer and settlement is in the log exactly once;
- the audit passes (conservation, no negative balance, every transfer posted once, escrow
  accounts holding what their streams say, read models equal to the replay);
- each player's `held` equals the pending holds and open offers the log gives;
- no player's spendable balance is negative;
- the read models equal a rebuild from the log.
"""

import asyncio
import contextlib
import random
import time
from collections import defaultdict
from typing import Any

from harness.app import CHEAP_HASHER
from harness.checks import audit, dump_models
from harness.client import PASSWORD, Api, Player, Reply, new_key
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.schedule import Schedule, spread
from harness.server import ServerProcess, service_env, serving
from infra.config import Settings
from infra.db import Conn, create_pool
from projections import holds, trades
from projections.rebuild import rebuild
from projections.runner import catch_up
from service.admins import create_admin

UNKNOWN = frozenset({0, 502, 503, 504})  # no definite answer: retry with the same key
# Refusals a busy economy produces by design (a race lost, a wallet spent elsewhere).
EXPECTED = frozenset({"trade-not-open", "hold-not-pending", "insufficient-funds"})
COINS = 30  # gold coins each player buys to trade with
STAKE = 20

# What the log says is set aside: pending holds and open offers (their streams at version 1).
_HELD = """
SELECT payload->>'player_id' AS player, payload->>'asset' AS asset,
       sum((payload->>'amount')::bigint)::bigint AS held
  FROM events AS e
 WHERE event_type = 'hold_placed'
   AND NOT EXISTS (SELECT 1 FROM events c WHERE c.stream_id = e.stream_id AND c.version = 2)
 GROUP BY 1, 2
UNION ALL
SELECT payload->>'offerer_id', g.key, sum(g.value::bigint)::bigint
  FROM events AS e, jsonb_each_text(payload->'give') AS g
 WHERE event_type = 'trade_offered'
   AND NOT EXISTS (SELECT 1 FROM events c WHERE c.stream_id = e.stream_id AND c.version = 2)
 GROUP BY 1, 2
"""
_NEGATIVE = """
SELECT player_id, 'diamond', balance FROM rm_players WHERE balance < 0
UNION ALL SELECT player_id, item, quantity FROM rm_inventory WHERE quantity < 0
"""
_POSTED = """
SELECT metadata->>'idempotency_key' AS key, payload->>'transfer_id' AS transfer_id
  FROM events
 WHERE event_type = 'transferred' AND payload->>'code' = ANY($1::text[])
   AND NOT coalesce((payload->>'mirror')::boolean, false)
"""


class Economy:
    """The shared state of the load: players, the server's token and what was acknowledged."""

    def __init__(self, api: Api, players: list[Player], server: str, schedule: Schedule) -> None:
        self.api, self.players, self.server, self.schedule = api, players, server, schedule
        self.acked: dict[str, str] = {}  # idempotency key -> transfer id
        self.counts: dict[str, int] = defaultdict(int)

    async def write(self, path: str, body: Any, token: str) -> Reply:
        """One write retried with its key until definite; refusals by design are counted."""
        key = new_key()
        for pause in (0.05, 0.1, 0.2, *([0.5] * 400)):
            reply = await self.api.call("POST", path, json=body, token=token, key=key)
            if reply.status not in UNKNOWN and reply.problem_type != "version-conflict":
                break
            await asyncio.sleep(pause)
        if reply.status in (200, 201):
            if "transferId" in reply.body and path in ("/transfers", "/settlements"):
                self.acked[key] = reply.body["transferId"]
            self.counts[path.split("/")[1] + " ok"] += 1
            self.schedule.ack()
        elif reply.problem_type in EXPECTED:
            self.counts[reply.problem_type] += 1
        else:
            self.counts[f"unexpected {reply.status} {reply.problem_type}"] += 1
        return reply

    async def player_loop(self, me: Player) -> None:
        """Gifts, offers, answers to offers and cancels until the schedule is done."""
        rng = random.Random(me.user_id)
        while self.schedule.load_wanted:
            other = rng.choice([p for p in self.players if p is not me])
            roll = rng.random()
            if roll < 0.3:
                body = {"to": other.username, "asset": "diamond", "amount": rng.randint(1, 15)}
                await self.write("/transfers", body, me.token)
            elif roll < 0.6:
                offer = {
                    "to": other.username,
                    "give": {"gold_coin": rng.randint(1, 2)},
                    "want": {"diamond": rng.randint(5, 25)},
                    "expiresIn": rng.randint(1, 8),
                }
                reply = await self.write("/trades", offer, me.token)
                if reply.status == 201:
                    self.acked[f"offer-{reply.body['tradeId']}"] = reply.body["tradeId"]
            else:
                await self._answer(me, rng)

    async def _answer(self, me: Player, rng: random.Random) -> None:
        listed = await self.api.call("GET", "/trades?status=open", token=me.token)
        if listed.status != 200 or not listed.body["trades"]:
            await asyncio.sleep(0.02)
            return
        trade = rng.choice(listed.body["trades"])
        mine = trade["from"] == me.username
        action = "cancel" if mine else rng.choice(["accept", "accept", "decline"])
        await self.write(f"/trades/{trade['tradeId']}/{action}", None, me.token)

    async def server_loop(self, seed: int) -> None:
        """Matches: stakes from a few players, then a settlement, a void or nothing (expiry)."""
        rng = random.Random(seed)
        while self.schedule.load_wanted:
            seats = rng.sample(self.players, rng.randint(2, 4))
            holds = []
            for p in seats:
                body = {"player": p.username, "asset": "diamond", "amount": STAKE}
                reply = await self.write(
                    "/holds", {**body, "expiresIn": rng.randint(1, 6)}, self.server
                )
                if reply.status == 201:
                    holds.append(reply.body["holdId"])
            await asyncio.sleep(rng.random() * 0.5)
            roll = rng.random()
            if holds and roll < 0.7:
                pot = STAKE * len(holds)
                winner = rng.choice(seats).username
                body = {"holds": holds, "payouts": [{"to": winner, "amount": pot * 9 // 10}]}
                await self.write("/settlements", body, self.server)
            elif holds and roll < 0.85:
                await self.write(f"/holds/{holds[0]}/void", None, self.server)


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("economy", quick)
    writes, kills, players, servers = (300, 1, 6, 2) if quick else (4_000, 4, 20, 4)
    schedule = Schedule(
        "SIGKILLs", "economy writes", spread(kills, writes, random.Random(14)), writes,
        patience=240.0 if quick else 1800.0,
    )  # fmt: skip
    async with (
        fresh_database(server_dsn, "economy") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base, timeout=10.0, connections=players + servers + 8) as api,
    ):
        token = await _game_server(api, dsn)
        crowd = [await _player(api) for _ in range(players)]
        economy = Economy(api, crowd, token, schedule)
        began = time.monotonic()
        load = [asyncio.create_task(economy.player_loop(p)) for p in crowd]
        load += [asyncio.create_task(economy.server_loop(n)) for n in range(servers)]
        restarts = await schedule.run(lambda _: _kill_and_restart(server))
        await asyncio.gather(*load)
        outcome.figure("load seconds", round(time.monotonic() - began, 1))
        outcome.figure("restart to ready seconds (max)", round(max(restarts, default=0), 2))
        outcome.figure("answers", dict(sorted(economy.counts.items())))
        unexpected = [k for k in economy.counts if k.startswith("unexpected")]
        outcome.check(not unexpected, f"answers no client should get: {unexpected}")
        schedule.judge(outcome)
        await server.stop()  # the expirer stops too: the log and the models hold still
        await _held_matches_the_log(outcome, crowd, dsn)
        await _exactly_once(outcome, dsn, economy.acked)
        await _rebuild_equals_live(outcome, dsn)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _game_server(api: Api, dsn: str) -> str:
    settings = Settings(environment="test")
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        await create_admin(pool, settings, "game_server", PASSWORD, CHEAP_HASHER, role="service")
    finally:
        await pool.close()
    return await api.login("game_server")


async def _player(api: Api) -> Player:
    player = await api.player("trader")
    await api.fund(player, 2_000)
    body = {"item": "gold_coin", "quantity": COINS}
    reply, _ = await api.until_known(
        "POST", "/purchase", json=body, token=player.token, key=new_key()
    )
    if reply.status != 200:
        raise RuntimeError(f"purchase failed: {reply.status} {reply.body}")
    return player


async def _kill_and_restart(server: ServerProcess) -> float:
    await server.kill()
    return await server.start()


async def _held_matches_the_log(outcome: Outcome, crowd: list[Player], dsn: str) -> None:
    """Each player's `held`, as GET /balance sums it, against the log; no negative wallet."""
    pool = await create_pool(dsn, Settings(environment="test"), min_size=1, max_size=2)
    try:
        await catch_up(pool)
        async with pool.acquire() as conn:
            rows = await conn.fetch(_HELD)
            shown = {p.user_id: await _held(conn, p.user_id) for p in crowd}
            negative = await conn.fetch(_NEGATIVE)
    finally:
        await pool.close()
    want: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        if r["held"]:
            want[r["player"]][r["asset"]] = want[r["player"]].get(r["asset"], 0) + r["held"]
    wrong = [p.username for p in crowd if shown[p.user_id] != want[p.user_id]]
    outcome.figure("players holding something", sum(1 for w in want.values() if w))
    outcome.check(not wrong, f"held differs from the log's pending holds and open offers: {wrong}")
    outcome.check(not negative, f"negative spendable balances: {[tuple(r) for r in negative]}")


async def _held(conn: Conn, player_id: str) -> dict[str, int]:
    """What GET /balance answers as `held`: pending holds plus open offers."""
    held = await holds.held(conn, player_id)
    for asset, amount in (await trades.escrowed(conn, player_id)).items():
        held[asset] = held.get(asset, 0) + amount
    return held


async def _exactly_once(outcome: Outcome, dsn: str, acked: dict[str, str]) -> None:
    pool = await create_pool(dsn, Settings(environment="test"), min_size=1, max_size=2)
    try:
        rows = await pool.fetch(_POSTED, ["gift", "settlement"])
        offers = {r["stream_id"] for r in await pool.fetch(
            "SELECT stream_id FROM events WHERE event_type = 'trade_offered'"
        )}  # fmt: skip
    finally:
        await pool.close()
    posted: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        posted[r["key"]].append(r["transfer_id"])
    money = {k: t for k, t in acked.items() if not k.startswith("offer-")}
    lost = [k for k, t in money.items() if posted.get(k) != [t]]
    extra = [k for k in posted if k not in money]
    missing = [t for k, t in acked.items() if k.startswith("offer-") and f"trade:{t}" not in offers]
    outcome.figure("gifts and settlements acknowledged", len(money))
    outcome.check(not lost, f"acknowledged transfers not in the log exactly once: {lost[:3]}")
    outcome.check(not extra, f"transfers in the log never acknowledged: {extra[:3]}")
    outcome.check(not missing, f"acknowledged offers missing from the log: {missing[:3]}")


async def _rebuild_equals_live(outcome: Outcome, dsn: str) -> None:
    pool = await create_pool(dsn, Settings(environment="test"), min_size=1, max_size=2)
    try:
        await catch_up(pool)
        async with pool.acquire() as conn:
            live = await dump_models(conn)
        await rebuild(pool)
        async with pool.acquire() as conn:
            rebuilt = await dump_models(conn)
    finally:
        with contextlib.suppress(Exception):
            await pool.close()
    differ = [t for t in live if live[t] != rebuilt[t]]
    outcome.check(not differ, f"read models differ from a rebuild: {differ}")
