"""Lost commit acknowledgement: the write commits, its answer never reaches the service.

A proxy between the service and PostgreSQL lets every statement that writes the ledger run
and commit, then swallows PostgreSQL's reply and resets both connections. The service cannot
know whether the write happened and answers 503; the client retries with the same
Idempotency-Key and must receive the original result. Purchases are one statement; signups are
a BEGIN ... COMMIT (events and credentials), so both ways of committing lose their ack. With
group commit (the default) one commit carries the keys of several concurrent commands: the
proxy reads them from the statement, and every key of a group whose ack it dropped must be
acknowledged on retry and applied exactly once.
"""

import asyncio
import random
from collections import Counter

import asyncpg

from domain.accounts import player_account
from harness.checks import acknowledged_exactly_once, audit, caught_up
from harness.client import PASSWORD, Api, Player, new_key
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.proxy import FaultProxy
from harness.server import service_env, serving
from harness.wire import through

WORKERS = 8


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("lost-ack", quick)
    keys = 60 if quick else 1000
    async with fresh_database(server_dsn, "lost_ack") as dsn:
        proxy = FaultProxy(dsn)
        await proxy.start()
        env = service_env(through(dsn, proxy.port), DB_COMMAND_TIMEOUT="3")
        try:
            async with serving(env) as server, Api(server.base) as api:
                players = [await api.player("ack") for _ in range(WORKERS)]
                for player in players:
                    await api.fund(player, 10 * keys)
                proxy.lose_acks = True
                work = _Work(api, keys)
                await asyncio.gather(
                    *(work.client(p, random.Random(i)) for i, p in enumerate(players))
                )
                proxy.lose_acks = False
                _report(outcome, work, proxy, keys)
                streams = [player_account(p.user_id) for p in players]
                await acknowledged_exactly_once(outcome, dsn, streams, work.purchases, "purchase")
                await _signups_once(outcome, dsn, work.signups)
                outcome.check(await caught_up(dsn, 60) is not None, "projectors did not catch up")
        finally:
            await proxy.close()
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


class _Work:
    def __init__(self, api: Api, keys: int) -> None:
        self.api = api
        self.remaining = keys
        self.first = Counter[str]()
        self.attempts = Counter[int]()
        self.purchases: dict[str, str] = {}
        self.signups: dict[str, str] = {}  # username -> user id answered
        self.acknowledged: set[str] = set()  # idempotency keys answered 200/201 on retry

    async def client(self, player: Player, rng: random.Random) -> None:
        while self.remaining > 0:
            self.remaining -= 1
            if rng.random() < 0.1:
                await self._signup(f"late_{new_key()[:12]}")
            else:
                await self._purchase(player)

    async def _purchase(self, player: Player) -> None:
        key = new_key()
        first = await self.api.call(
            "POST", "/purchase", json={"item": "gold_coin"}, token=player.token, key=key
        )
        self.first[f"{first.status} {first.problem_type}".strip()] += 1
        reply, attempts = await self.api.until_known(
            "POST", "/purchase", json={"item": "gold_coin"}, token=player.token, key=key
        )
        self.attempts[attempts + 1] += 1
        if reply.status == 200:
            self.purchases[key] = reply.body["transferId"]
            self.acknowledged.add(key)

    async def _signup(self, name: str) -> None:
        body = {"username": name, "password": PASSWORD}
        key = new_key()
        first = await self.api.call("POST", "/signup", json=body, key=key)
        self.first[f"{first.status} {first.problem_type}".strip()] += 1
        reply, attempts = await self.api.until_known(
            "POST", "/signup", json=body, token=None, key=key
        )
        self.attempts[attempts + 1] += 1
        if reply.status == 201:
            self.signups[name] = reply.body["userId"]
            self.acknowledged.add(key)


def _report(outcome: Outcome, work: _Work, proxy: FaultProxy, keys: int) -> None:
    outcome.figure("keys", keys)
    outcome.figure("acknowledgements dropped by the proxy", proxy.counts["acks_dropped"])
    outcome.figure("first answers", dict(work.first))
    outcome.figure("attempts per key", dict(sorted(work.attempts.items())))
    done = len(work.purchases) + len(work.signups)
    outcome.figure("keys acknowledged", done)
    outcome.check(done == keys, f"only {done} of {keys} keys were acknowledged")
    # With group commit one dropped reply covers every key of its group: the 503 check below
    # is what says each key's first acknowledgement was lost.
    outcome.check(0 < proxy.counts["acks_dropped"] <= keys, "no acknowledgement was dropped")
    bad = {k: n for k, n in work.first.items() if not k.startswith("503")}
    outcome.check(not bad, f"first answers other than 503: {bad}")
    _groups(outcome, work, proxy)


def _groups(outcome: Outcome, work: _Work, proxy: FaultProxy) -> None:
    """Dropped acks of multi-key commits happened, and each of their keys was acknowledged."""
    sizes = Counter(len(keys) for keys in proxy.dropped_keys)
    outcome.figure("keys per dropped acknowledgement", dict(sorted(sizes.items())))
    groups = [keys for keys in proxy.dropped_keys if len(keys) >= 2]
    outcome.figure("dropped acknowledgements of groups (2+ keys)", len(groups))
    outcome.check(bool(groups), "no acknowledgement of a group's commit was dropped")
    # A commit without keys is the sweeper's (it refills treasury shards, keyless, unasked).
    lost = {key for keys in proxy.dropped_keys for key in keys}
    missing = lost - work.acknowledged
    outcome.check(not missing, f"{len(missing)} keys of dropped commits never acknowledged")


async def _signups_once(outcome: Outcome, dsn: str, signups: dict[str, str]) -> None:
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        rows = await conn.fetch(
            "SELECT username, player_id FROM credentials WHERE username = ANY($1::text[])",
            list(signups),
        )
        registered = await conn.fetchval(
            "SELECT count(*) FROM events WHERE event_type = 'player_registered'"
            " AND payload->>'username' = ANY($1::text[])",
            list(signups),
        )
    finally:
        await conn.close()
    found = {r["username"]: r["player_id"] for r in rows}
    outcome.figure("signups acknowledged", len(signups))
    outcome.check(found == signups, "signups in the credentials differ from those answered")
    outcome.check(registered == len(signups), f"{registered} registrations for {len(signups)}")
