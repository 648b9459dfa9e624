"""`--only replica`: GET /balance with reads on a streaming standby against reads on the primary.

The group starts its own primary and hot standby (harness/cluster.py, loopback ports) and the
service on them twice: READ_DATABASE_URL unset (every read on the primary) and set to the
standby. Each row notes the CPU time per request the primary's and the standby's PostgreSQL
processes spent: what a standby takes off the primary. A third row mixes a top-up and a read
per player, so every read needs the standby to have replayed the player's own write (the wait
of infra/replica.py), and notes how many reads fell back to the primary.

What one machine cannot show: both servers share its cores (and the client's and the
service's), so the standby rows' throughput is no more than the primary's; on separate
machines the primary's freed CPU is the gain.
"""

import asyncio
import re
import time
import urllib.request
from collections.abc import Callable

import asyncpg

from bench import cpu, load, servers, workload
from bench.stats import Measure
from harness.cluster import Cluster, own_cluster, own_standby
from infra import migrate
from infra.config import Settings
from infra.db import create_pool
from service.bootstrap import bootstrap

_ONE = '{"amount":1}'
Run = Callable[..., Measure]  # a wrk run of `script` on `url`, as `name`
_FALLBACK = re.compile(r'^gameledger_replica_fallback_total\{reason="(\w+)"\} ([0-9.e+]+)$', re.M)


async def _prepare(primary: Cluster, players: int) -> list[str]:
    """Migrate the primary, mint genesis and make the bench players; their usernames."""
    conn = await asyncpg.connect(primary.dsn)
    try:
        await migrate.migrate(conn)
    finally:
        await conn.close()
    settings = Settings(environment="test", group_commit=False)
    pool = await create_pool(primary.dsn, settings)
    try:
        ledger = bootstrap(settings, pool)
        await ledger.seed_genesis()
        return await workload.make_players(ledger, players, funds=1_000)
    finally:
        await pool.close()


def _cpu(cluster: Cluster) -> float:
    """CPU seconds all of the cluster's processes have used so far."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    return sum(cpu.cpu_seconds(pid) for pid in cpu.process_tree(postmaster))


def _fallbacks(base: str) -> float:
    """Reads this server sent to the primary instead of the standby, all reasons."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as reply:  # noqa: S310 - loopback
        text = reply.read().decode()
    return sum(float(value) for _, value in _FALLBACK.findall(text))


def _idle(clusters: tuple[Cluster, Cluster], seconds: float) -> list[float]:
    """CPU seconds per second each server spends with no request at all (the projectors' and
    the followers' polls, the WAL sender): subtracted from a run's, to leave the requests'."""
    before = [_cpu(c) for c in clusters]
    time.sleep(seconds)
    return [(_cpu(c) - b) / seconds for c, b in zip(clusters, before, strict=True)]


def _run(
    base: str, script: str, path: str, name: str, clusters: tuple[Cluster, Cluster], run: Run
) -> Measure:
    """One wrk run, noting the PostgreSQL CPU per request on each server and the fallbacks."""
    idle = _idle(clusters, 2.0)
    before = [_cpu(c) for c in clusters]
    fell = _fallbacks(base)
    started = time.monotonic()
    row: Measure = run(base + path, script, name=name)
    elapsed = time.monotonic() - started
    spent = [
        max(0.0, _cpu(c) - b - rate * elapsed) * 1e6 / max(1, row.count)
        for c, b, rate in zip(clusters, before, idle, strict=True)
    ]
    fell = _fallbacks(base) - fell
    row.note = (
        f"PostgreSQL CPU per request (idle subtracted): primary {spent[0]:.0f} us, "
        f"standby {spent[1]:.0f} us; "
        f"{fell:.0f} reads fell back to the primary; {row.note}"
    )
    return row


def measure(env: dict[str, str], players: int, connections: int, seconds: float) -> list[Measure]:
    """The three rows (see the module's doc); `env` is the bench's service environment."""
    return asyncio.run(_measure(env, players, connections, seconds))


async def _measure(
    env: dict[str, str], players: int, connections: int, seconds: float
) -> list[Measure]:
    async with own_cluster() as primary, own_standby(primary) as standby:
        names = await _prepare(primary, players)
        read = f"postgresql://postgres@127.0.0.1:{standby.port}/postgres"
        base_env = {**env, "DATABASE_URL": primary.dsn, "GAMELEDGER_DSN": primary.dsn}

        def run(url: str, script: str, *, name: str) -> Measure:
            label = f"{name} ({connections} conn)"
            return load.run_wrk(url, script, connections=connections, seconds=seconds, name=label)

        rows = []
        for where, extra in (("primary", {}), ("standby", {"READ_DATABASE_URL": read})):
            rows += await asyncio.to_thread(
                _serve, {**base_env, **extra}, names, where, (primary, standby), run
            )
        return rows


def _serve(
    env: dict[str, str],
    names: list[str],
    where: str,
    clusters: tuple[Cluster, Cluster],
    run: Run,
) -> list[Measure]:
    with servers.serving("api.http.app:create_app", env, workers=1, ready_path="/health") as (
        base,
        _,
    ):
        tokens = workload.login_all(base, names)
        script = load.lua_rotating("GET", "/balance", tokens, None)
        label = f"GET /balance, reads on the {where}"
        rows = [_run(base, script, "/balance", label, clusters, run)]
        if where == "standby":
            calls: list[load.Call] = [("POST", "/top-up", _ONE), ("GET", "/balance", None)]
            # Each token twice in a row: request 2k is player k's top-up, 2k+1 their read, sent
            # right after it (on another connection, so at times before the write committed).
            mixed = load.lua_mixed(calls, [t for t in tokens for _ in range(2)])
            label = "top-up then GET /balance, reads on the standby"
            rows.append(_run(base, mixed, "/", label, clusters, run))
        return rows
