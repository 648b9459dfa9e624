"""Failover: the primary's machine dies under load, then (a second run) the standby's.

Each run brings its own Patroni cluster (harness/patroni.py: etcd and two nodes, synchronous
replication) and one service process on the libpq multi-host URL with
`target_session_attrs=read-write`, the projectors and the feed publisher (to a JetStream
stream of the run's own) in it. Clients send keyed top-ups and purchases and retry an unknown
outcome with the same key. Once a quarter of the writes are acknowledged, a game server places
holds that fall due within seconds, and the victim's agent and postmaster are SIGKILLed.

The primary's death must cost nothing but time: every acknowledged key is in the log exactly
once; writes resume within 30 s on the promoted standby, with no restart of the service; every
background role (each projector, the sweeper, the expirer, the feed publisher) takes over on
the new primary exactly once, and carries on from its checkpoint: the read models and the
feed equal the log, the holds that fell due meanwhile are expired; the LISTEN followers
(revocations, catalog) read again, and a logout after the failover is honoured; the audit
passes. The standby's death must not stop the primary: Patroni takes the dead standby out of
`synchronous_standby_names` (synchronous_mode, not strict: docs/operations.md) and writes go on,
with no background role changing hands.
"""

import asyncio
import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from domain.accounts import player_account
from harness.checks import acknowledged_exactly_once, audit, caught_up, contiguous_versions
from harness.client import Api, new_key
from harness.database import fresh_database
from harness.failover_load import Load, place_holds, prepare
from harness.feed import broker, compare, delete_stream
from harness.outcome import Outcome, say
from harness.patroni import Node, Patroni, own_patroni
from harness.server import ServerProcess, service_env, serving
from projections.feed import CHECKPOINT as FEED_ROLE
from projections.registry import PROJECTIONS
from service.expirer import ROLE as EXPIRER_ROLE
from service.sweeper import ROLE as SWEEPER_ROLE

RESUME_LIMIT = 30.0  # seconds from the kill to the next acknowledged write
STRICT = "standby, strict"
STRICT_OUTAGE = 8.0  # seconds the standby stays away in the strict run
ROLES = frozenset(set(PROJECTIONS) | {SWEEPER_ROLE, EXPIRER_ROLE, FEED_ROLE})
FOLLOWERS = ("revocations", "catalog")


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Both runs, each on a cluster of its own (`server_dsn` is not used)."""
    outcome = Outcome("failover", quick)
    # The full run adds the standby's death under synchronous_mode_strict, held 8 s before
    # its machine comes back (docs/operations.md): what strict mode does to the primary.
    for victim in ("primary", "standby", *(() if quick else (STRICT,))):
        say(f"failover: -- the {victim}'s machine dies")
        await _run(outcome, victim, quick)
    outcome.finish()
    return outcome


async def _run(outcome: Outcome, victim: str, quick: bool) -> None:
    writes, clients = (160, 4) if quick else (2000, 16)
    began = time.monotonic()
    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"GLFAILOVER_{tag}", f"glfailover.{tag}"
    async with own_patroni(strict=victim == STRICT) as cluster, broker() as url:
        try:
            async with fresh_database(cluster.dsn, "failover") as dsn:
                env = service_env(
                    dsn, DB_COMMAND_TIMEOUT="2", LOG_LEVEL="INFO", LOG_FORMAT="json",
                    NATS_URL=url, NATS_STREAM=stream, NATS_SUBJECT_PREFIX=prefix,
                )  # fmt: skip
                async with serving(env) as server, Api(server.base, timeout=15.0) as api:
                    load = Load(api, writes)
                    await prepare(load, dsn, clients)
                    holds = await _under_load(outcome, victim, cluster, load, server)
                    await _judge(outcome, victim, load, dsn, holds)
                    await _followers(outcome, victim, load, server)
                    await compare(outcome, dsn, url, stream, prefix)
                await audit(outcome, dsn)
        finally:
            await delete_stream(url, stream)
    outcome.figure(f"{victim}: seconds", round(time.monotonic() - began, 1))


async def _under_load(
    outcome: Outcome, victim: str, cluster: Patroni, load: Load, server: ServerProcess
) -> list[str]:
    """Run the clients, kill the victim at a quarter of the writes; the holds placed then."""
    clients = [asyncio.create_task(load.client(p, n)) for n, p in enumerate(load.players)]
    quarter = asyncio.create_task(load.half.wait())
    await asyncio.wait([quarter, *clients], return_when=asyncio.FIRST_COMPLETED)
    quarter.cancel()
    holds = await place_holds(load)
    primary = await cluster.leader(10)
    timeline = await cluster.timeline(primary)
    node = primary if victim == "primary" else _other(cluster, primary)
    load.killed_at, load.killed_wall = time.monotonic(), datetime.now(UTC)
    await node.kill()
    say(f"failover: killed {node.name} ({victim}) at {load.acks} acknowledged writes")
    survivors = [n for n in cluster.nodes if n is not node]
    promoted = await cluster.primary(60, among=survivors)
    outcome.figure(f"{victim}: primary after the kill", f"{promoted.name} (was {primary.name})")
    if victim == STRICT:
        await _standby_returns(outcome, load, node)
    await asyncio.gather(*clients)
    # Exactly the failover we caused: none before the kill (a primary demoted by a slow
    # agent), one after it when the primary died, none when the standby did.
    after = await cluster.timeline(promoted)
    outcome.figure(f"{victim}: timeline before and after", (timeline, after))
    wanted = None if timeline is None else timeline + (victim == "primary")
    outcome.check(after == wanted, f"{victim}: promotions other than the one the kill caused")
    outcome.check(server.process is not None and server.process.returncode is None,
                  "the service process did not survive")  # fmt: skip
    return holds


async def _standby_returns(outcome: Outcome, load: Load, node: Node) -> None:
    """Strict mode: the standby stays away STRICT_OUTAGE seconds, then its machine restarts."""
    await asyncio.sleep(STRICT_OUTAGE)
    away = [a for _, a in load.sent if a > (load.killed_at or 0) + 0.5]
    outcome.figure(f"{STRICT}: acknowledged while no standby ran", len(away))
    outcome.figure(f"{STRICT}: attempts failed while no standby ran", dict(load.failed))
    await node.start()
    say(f"failover: {node.name} restarted after {STRICT_OUTAGE:.0f} s")


def _other(cluster: Patroni, primary: Node) -> Node:
    return next(n for n in cluster.nodes if n is not primary)


async def _judge(outcome: Outcome, victim: str, load: Load, dsn: str, holds: list[str]) -> None:
    resumed = load.resumed()
    stalled = load.stalled()
    outcome.figure(f"{victim}: no write acknowledged for, s", stalled and round(stalled, 2))
    outcome.figure(f"{victim}: writes resumed after, s", resumed and round(resumed, 2))
    outcome.figure(f"{victim}: failed attempts meanwhile", dict(load.failed))
    outcome.check(resumed is not None and resumed <= RESUME_LIMIT,
                  f"{victim}: writes did not resume within {RESUME_LIMIT:.0f} s")  # fmt: skip
    outcome.check(not load.without_retry_after, f"{victim}: 503s without Retry-After")
    streams = [player_account(p.user_id) for p in load.players]
    for code, acked in load.acked.items():
        await acknowledged_exactly_once(outcome, dsn, streams, acked, code)
    outcome.check(await caught_up(dsn, 60) is not None, f"{victim}: projectors did not catch up")
    await contiguous_versions(outcome, dsn)
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        statuses = await _expired(conn, holds, patience=60.0)
        sweeps = await _swept(conn, load.killed_wall, patience=60.0)
    finally:
        await conn.close()
    outcome.figure(f"{victim}: holds due meanwhile, by status", dict(statuses))
    outcome.check(statuses == Counter({"expired": len(holds)}), f"{victim}: holds not expired")
    outcome.figure(f"{victim}: sweeps after the kill", sweeps)
    outcome.check(sweeps > 0, f"{victim}: the sweeper did not sweep after the kill")


_SWEEPS_AFTER = """
SELECT count(*) FROM events
 WHERE event_type = 'transferred' AND payload->>'code' = 'sweep' AND recorded_at > $1
"""


async def _swept(conn: asyncpg.Connection, since: datetime, patience: float) -> int:
    """Sweeps written after `since`, waiting up to `patience` seconds for the first: the new
    primary's sweeper takes its role and sweeps on its own interval, which a quick run's load
    may end before on a loaded machine."""
    deadline = time.monotonic() + patience
    while True:
        sweeps: int = await conn.fetchval(_SWEEPS_AFTER, since)
        if sweeps or time.monotonic() > deadline:
            return sweeps
        await asyncio.sleep(0.5)


async def _expired(conn: asyncpg.Connection, holds: list[str], patience: float) -> Counter[str]:
    """The holds' statuses once none is pending (or after `patience` seconds)."""
    deadline = time.monotonic() + patience
    while True:
        rows = await conn.fetch("SELECT status FROM rm_holds WHERE hold_id = ANY($1)", holds)
        statuses = Counter(r["status"] for r in rows)
        if (len(rows) == len(holds) and not statuses["pending"]) or time.monotonic() > deadline:
            return statuses
        await asyncio.sleep(0.2)


async def _followers(outcome: Outcome, victim: str, load: Load, server: ServerProcess) -> None:
    """Who took which role after the kill, the followers' reconnections, a logout honoured."""
    lines = _log_after(server.log_path, load.killed_wall)
    taken = Counter(line.get("role") for line in lines if line.get("event") == "active")
    again = {f: sum(line.get("event") == f"{f} readable again" for line in lines)
             for f in FOLLOWERS}  # fmt: skip
    outcome.figure(f"{victim}: roles taken after the kill", dict(sorted(taken.items())))
    outcome.figure(f"{victim}: followers read again after the kill", again)
    if victim == "primary":  # every role moves to the new primary, each exactly once
        wrong = {r: taken[r] for r in ROLES if taken[r] != 1}
        outcome.check(not wrong, f"roles not taken over exactly once: {wrong}")
        outcome.check(all(again.values()), f"followers that did not read again: {again}")
    else:  # the primary lives on: no role changes hands
        outcome.check(not taken, f"roles changed hands though the primary lived: {taken}")
    player = await load.api.player("logout")
    bye, _ = await load.api.until_known(
        "POST", "/logout", json=None, token=player.token, key=new_key()
    )
    after = await _refused(load.api, player.token, patience=5.0)
    outcome.check(bye.status in (200, 204) and after == 401,
                  f"{victim}: a logout after the kill was not honoured: {bye.status}, then "
                  f"{after}")  # fmt: skip


def _log_after(path: Path, moment: datetime) -> list[dict[str, object]]:
    """The service's JSON log lines stamped after `moment`."""
    found = []
    for text in path.read_text(errors="replace").splitlines():
        try:
            line = json.loads(text)
            stamp = datetime.fromisoformat(str(line["timestamp"]))
        except (ValueError, KeyError, TypeError):
            continue
        if stamp > moment:
            found.append(line)
    return found


async def _refused(api: Api, token: str, patience: float) -> int:
    """GET /balance with `token` until it is refused (401) or `patience` runs out; the status."""
    deadline = time.monotonic() + patience
    while True:
        status = (await api.call("GET", "/balance", token=token)).status
        if status == 401 or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.1)
