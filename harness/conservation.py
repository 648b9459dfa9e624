"""Bank conservation: concurrent top-ups, purchases and referral signups against snapshot reads.

Clients hammer the service while a reader takes snapshots of every balance, each in one
REPEATABLE READ transaction over the event log (the legs of every transfer summed per account
and asset). Every snapshot must sum to zero per asset, hold exactly the genesis supply of
diamonds outside the issuer, and show no account but an issuer below zero. Clients also read
their wallets over HTTP: never negative.
"""

import asyncio
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import asyncpg

from domain.accounts import is_issuer
from domain.assets import CURRENCY
from harness.checks import audit, contiguous_versions
from harness.client import Api, Player, new_key
from harness.database import fresh_database
from harness.outcome import Outcome, ms, percentile
from harness.server import service_env, serving

_BALANCES = """
SELECT leg->>0 AS account, leg->>1 AS asset, sum((leg->>2)::bigint) AS balance
  FROM events, jsonb_array_elements(payload->'legs') AS leg
 WHERE event_type = 'transferred' AND NOT coalesce((payload->>'mirror')::boolean, false)
 GROUP BY 1, 2
"""
_GENESIS = """
SELECT coalesce(sum((leg->>2)::bigint), 0) FROM events, jsonb_array_elements(payload->'legs') leg
 WHERE event_type = 'transferred' AND payload->>'code' = 'genesis' AND (leg->>2)::bigint > 0
   AND leg->>1 = $1
"""


@dataclass
class Load:
    """The shared state of the clients."""

    players: list[Player]
    remaining: int
    rng: random.Random
    results: Counter[str] = field(default_factory=Counter)
    negative_reads: int = 0


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("conservation", quick)
    players, clients, ops = (8, 8, 600) if quick else (50, 32, 20_000)
    async with (
        fresh_database(server_dsn, "conservation") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base, connections=clients + 8) as api,
    ):
        load = Load(await _sign_up(api, players), ops, random.Random(6))
        stop = asyncio.Event()
        reader = asyncio.create_task(_snapshots(outcome, dsn, stop))
        began = time.monotonic()
        await asyncio.gather(*(_client(api, load) for _ in range(clients)))
        elapsed = time.monotonic() - began
        stop.set()
        durations = await reader
        outcome.figure("players at the end", len(load.players))
        outcome.figure("operations", ops)
        outcome.figure("operations per second", round(ops / elapsed, 1))
        for name, count in sorted(load.results.items()):
            outcome.figure(name, count)
        outcome.figure("snapshots", len(durations))
        outcome.figure("snapshot p99 ms", ms(percentile(durations, 99)))
        outcome.check(len(durations) >= 3, f"only {len(durations)} snapshots were taken")
        outcome.check(not load.negative_reads, f"{load.negative_reads} negative wallet reads")
        unexpected = {k: n for k, n in load.results.items() if k.endswith("unexpected")}
        outcome.check(not unexpected, f"unexpected answers: {unexpected}")
        await contiguous_versions(outcome, dsn)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _sign_up(api: Api, count: int) -> list[Player]:
    players = [await api.player("bank")]
    rng = random.Random(5)
    for _ in range(count - 1):
        players.append(await api.player("bank", rng.choice(players).referral_code))
    return players


async def _client(api: Api, load: Load) -> None:
    while load.remaining > 0:
        load.remaining -= 1
        player = load.rng.choice(load.players)
        draw = load.rng.random()
        if draw < 0.40:
            body = {"amount": load.rng.randint(1, 500)}
            reply, _ = await api.until_known(
                "POST", "/top-up", json=body, token=player.token, key=new_key()
            )
            load.results[_verdict("top-up", reply.status, reply.problem_type)] += 1
        elif draw < 0.85:
            item = load.rng.choice(["gold_coin", "treasure_box"])
            body2 = {"item": item, "quantity": load.rng.randint(1, 3)}
            reply, _ = await api.until_known(
                "POST", "/purchase", json=body2, token=player.token, key=new_key()
            )
            load.results[_verdict("purchase", reply.status, reply.problem_type)] += 1
        elif draw < 0.93:
            load.players.append(await api.player("bank", player.referral_code))
            load.results["referral signup ok"] += 1
        else:
            reply = await api.call("GET", "/balance", token=player.token)
            load.results[_verdict("balance read", reply.status, reply.problem_type)] += 1
            if reply.status == 200 and reply.body["balance"] < 0:
                load.negative_reads += 1


def _verdict(kind: str, status: int, problem: str) -> str:
    if status in (200, 201):
        return f"{kind} ok"
    if status == 422 and problem == "insufficient-funds":
        return f"{kind} refused (insufficient funds)"
    return f"{kind} {status} {problem} unexpected"


async def _snapshots(outcome: Outcome, dsn: str, stop: asyncio.Event) -> list[float]:
    """Take snapshots until `stop`, then one last; their durations."""
    durations: list[float] = []
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        genesis = await conn.fetchval(_GENESIS, CURRENCY)
        while True:
            last = stop.is_set()
            began = time.monotonic()
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                rows = await conn.fetch(_BALANCES)
            durations.append(time.monotonic() - began)
            _judge(outcome, rows, genesis, len(durations))
            if last or not outcome.ok:
                return durations
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


def _judge(outcome: Outcome, rows: list[asyncpg.Record], genesis: int, number: int) -> None:
    totals: dict[str, int] = defaultdict(int)
    held: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["asset"]] += row["balance"]
        if not is_issuer(row["account"]):
            held[row["asset"]] += row["balance"]
            outcome.check(row["balance"] >= 0, f"snapshot {number}: {dict(row)} is negative")
    for asset, total in totals.items():
        outcome.check(total == 0, f"snapshot {number}: {asset} sums to {total}, not 0")
    outcome.check(
        held[CURRENCY] == genesis,
        f"snapshot {number}: {held[CURRENCY]} {CURRENCY} held, genesis is {genesis}",
    )
