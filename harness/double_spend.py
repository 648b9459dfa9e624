"""Double spend: 64 concurrent purchases on a wallet that affords exactly 10, round after round.

Each round tops the wallet up to exactly ten gold coins' worth, then fires 64 purchases at once,
each with its own idempotency key (retried with that key while the outcome is unknown or the
service asks for a retry). Exactly 10 must succeed and 54 be refused for insufficient funds; the
successes must carry the 10 versions after the top-up, one each, and the balances 90..0.
"""

import asyncio
from collections import Counter

from harness.checks import audit, contiguous_versions
from harness.client import RETRYABLE, Api, Player, Reply, new_key
from harness.database import fresh_database
from harness.outcome import Outcome, ms, percentile
from harness.server import service_env, serving

RACERS = 64
AFFORDABLE = 10
ITEM, PRICE = "gold_coin", 10


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("double-spend", quick)
    rounds = 5 if quick else 200
    async with (
        fresh_database(server_dsn, "double_spend") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base, connections=RACERS + 8) as api,
    ):
        player = await api.player("spender")
        latencies: list[float] = []
        retried: Counter[str] = Counter()
        for number in range(rounds):
            await _round(outcome, api, player, number, latencies, retried)
            if not outcome.ok:
                break
        outcome.figure("rounds", number + 1)
        outcome.figure("purchases sent", (number + 1) * RACERS)
        outcome.figure("answers retried with the same key", dict(retried))
        outcome.figure("purchase p50 ms", ms(percentile(latencies, 50)))
        outcome.figure("purchase p99 ms", ms(percentile(latencies, 99)))
        wallet = await api.call("GET", "/balance", token=player.token)
        outcome.check(wallet.status == 200, f"GET /balance answered {wallet.status}")
        if wallet.status == 200:
            outcome.check(wallet.body["balance"] == 0, f"final balance {wallet.body['balance']}")
            coins = wallet.body["inventory"]["goldCoins"]
            outcome.check(coins == AFFORDABLE * (number + 1), f"{coins} coins in the inventory")
        await contiguous_versions(outcome, dsn)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _round(
    outcome: Outcome,
    api: Api,
    player: Player,
    number: int,
    latencies: list[float],
    retried: Counter[str],
) -> None:
    """One round; counts in `retried` the answers that called for a retry."""
    funded, _ = await api.until_known(
        "POST", "/top-up", json={"amount": AFFORDABLE * PRICE}, token=player.token, key=new_key()
    )
    if not outcome.check(
        funded.status == 200 and funded.body["balance"] == AFFORDABLE * PRICE,
        f"round {number}: top-up answered {funded.status} {funded.body}",
    ):
        return
    start = funded.body["version"]
    seen: list[Reply] = []
    results = await asyncio.gather(*(_buy(api, player, seen) for _ in range(RACERS)))
    replies = [reply for reply, _ in results]
    latencies.extend(r.seconds for r in seen)
    retried.update(
        f"{r.status} {r.problem_type or r.error}".strip() for r in seen if r.status in RETRYABLE
    )
    won = [r for r in replies if r.status == 200]
    refused = [r for r in replies if r.status == 422 and r.problem_type == "insufficient-funds"]
    other = [(r.status, r.problem_type) for r in replies if r not in won and r not in refused]
    outcome.check(len(won) == AFFORDABLE, f"round {number}: {len(won)} purchases succeeded")
    outcome.check(not other, f"round {number}: unexpected answers {other[:5]}")
    versions = sorted(r.body["version"] for r in won)
    outcome.check(
        versions == list(range(start + 1, start + 1 + len(won))),
        f"round {number}: versions {versions} after {start}",
    )
    balances = sorted(r.body["balance"] for r in won)
    outcome.check(
        balances == [PRICE * n for n in range(len(won))], f"round {number}: balances {balances}"
    )


async def _buy(api: Api, player: Player, seen: list[Reply]) -> tuple[Reply, int]:
    return await api.until_known(
        "POST", "/purchase", json={"item": ITEM}, token=player.token, key=new_key(), seen=seen
    )
