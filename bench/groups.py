"""The measurement groups `python -m bench --only` can pick, in the order a full run takes them.

Each group starts what it needs (a uvicorn server, a pool, a projector process) and stops it,
so any subset runs on its own; all but limits and baseline use the bench players of `Context`.
"""

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec

from bench import (
    baseline,
    extra,
    lag,
    limits,
    load,
    ratios,
    replica,
    servers,
    side,
    soak,
    treasury,
    workload,
)
from bench.stats import Measure
from infra import migrate
from infra.config import Settings
from infra.db import create_pool
from service.bootstrap import bootstrap

JWT_SECRET = "bench-secret-that-is-at-least-32-bytes-long"  # noqa: S105 - bench only


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """How long and how wide each measurement runs."""

    seconds: float
    db_concurrency: tuple[int, ...]
    http_connections: tuple[int, ...]
    players: int
    long_stream: int
    workers: int
    lag_rate: float
    lag_seconds: float
    soak_seconds: float
    batch_size: int = 1000  # transfers per request of the batch rows
    funds: int = 50_000  # diamonds each bench player starts with
    side_rounds: int = 4  # alternating rounds of the side-by-side group
    side_seconds: float = 5  # each wrk run of a round
    # Where the side-by-side group's service runs its projectors (bench/side.py PROJECTORS).
    projectors: str = "in"

    @property
    def reference_conns(self) -> int:
        """The connection count single-load rows use: 64, or the most the plan has below it."""
        return max(c for c in self.http_connections if c <= 64)


@dataclass
class Context:
    """The run's database, plan and bench players; groups add series for the JSON."""

    dsn: str
    plan: Plan
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    series: dict[str, Any] = field(default_factory=dict)
    runs: list[ratios.Run] = field(default_factory=list)  # the side-by-side group's wrk runs

    def env(self, **extra_env: str) -> dict[str, str]:
        """The environment of a service (and baseline) process."""
        return {
            "GAMELEDGER_DSN": self.dsn,
            "DATABASE_URL": self.dsn,
            "JWT_SECRET": JWT_SECRET,
            "RUN_PROJECTORS": "true",
            "LOG_LEVEL": "WARNING",
            "GAMELEDGER_ENV": "development",
            **extra_env,
        }


def log(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


async def prepare(ctx: Context) -> None:
    """Migrate, mint genesis and create the bench players (with their ids)."""
    conn = await asyncpg.connect(ctx.dsn)
    await migrate.migrate(conn)
    await conn.close()
    settings = Settings(environment="test", group_commit=False)
    pool = await create_pool(ctx.dsn, settings)
    ledger = bootstrap(settings, pool)
    try:
        await ledger.seed_genesis()
        log(f"creating {ctx.plan.players} players")
        ctx.names = await workload.make_players(ledger, ctx.plan.players, funds=ctx.plan.funds)
        rows = await pool.fetch(
            "SELECT player_id FROM credentials WHERE username = ANY($1)", ctx.names
        )
        ctx.ids = [r["player_id"] for r in rows]
    finally:
        await pool.close()


async def measure_limits(ctx: Context) -> list[Measure]:
    """Durable commit and hot-row limits at each concurrency."""
    rows = []
    for hot in (False, True):
        for concurrency in ctx.plan.db_concurrency:
            log(f"{'hot row' if hot else 'durable commit'} at {concurrency}")
            rows.append(await limits.commit_limit(ctx.dsn, concurrency, ctx.plan.seconds, hot=hot))
    return rows


def _wrk_each(base: str, script: str, path: str, label: str, ctx: Context) -> list[Measure]:
    rows = []
    for conns in ctx.plan.http_connections:
        log(f"{label} at {conns}")
        rows.append(
            load.run_wrk(
                base + path,
                script,
                connections=conns,
                seconds=ctx.plan.seconds,
                name=f"{label} ({conns} conn)",
            )
        )
    return rows


def measure_baseline(ctx: Context) -> list[Measure]:
    """The minimal Litestar endpoint inserting one row, and `SELECT 1`, over HTTP."""
    factory = "bench.baseline:create_baseline_app"
    asyncio.run(baseline.create_table(ctx.dsn))
    with servers.serving(factory, ctx.env(), workers=ctx.plan.workers, ready_path="/select1") as (
        base,
        _,
    ):
        insert = load.lua_rotating("POST", "/insert", [], "{}")
        select = load.lua_rotating("GET", "/select1", [], None)
        return _wrk_each(base, insert, "/insert", "baseline insert", ctx) + _wrk_each(
            base, select, "/select1", "baseline SELECT 1", ctx
        )


async def measure_in_process(ctx: Context) -> list[Measure]:
    """Command layer without HTTP (with and without the treasury leg) and stream length."""
    plan = ctx.plan
    settings = Settings(environment="test", db_pool_max=40, group_commit=False)
    pool = await create_pool(ctx.dsn, settings)
    ledger = bootstrap(settings, pool)
    try:
        log("command layer, with and without the treasury leg")
        rows = await treasury.with_and_without(ledger, ctx.ids, 64, plan.seconds)
        log(f"growing a wallet to {plan.long_stream} events")
        long_names = await workload.make_players(ledger, 2, funds=10 * plan.long_stream + 50_000)
        creds = {
            r["username"]: r["player_id"]
            for r in await pool.fetch(
                "SELECT username, player_id FROM credentials WHERE username = ANY($1)", long_names
            )
        }
        long_id, new_id = creds[long_names[0]], creds[long_names[1]]
        await workload.grow_stream(pool, long_id, plan.long_stream)
        count = max(200, min(2_000, plan.long_stream // 50))
        rows.append(
            await workload.sequential_purchases(ledger, new_id, count, "purchase, new wallet")
        )
        rows.append(
            await workload.sequential_purchases(
                ledger, long_id, count, f"purchase, {plan.long_stream}-event wallet"
            )
        )
        return rows
    finally:
        await pool.close()


_CALLS: list[load.Call] = [
    ("POST", "/purchase", '{"item":"gold_coin"}'),
    ("POST", "/top-up", '{"amount":1}'),
    ("GET", "/balance", None),
]


def measure_service(ctx: Context) -> list[Measure]:
    """Our service over HTTP: purchases, top-ups, balance reads; memory; without group commit."""
    plan = ctx.plan
    with servers.serving(
        "api.http.app:create_app", ctx.env(), workers=plan.workers, ready_path="/health"
    ) as (base, pid):
        rows = [extra.memory_row("idle", pid)]
        tokens = workload.login_all(base, ctx.names)
        for method, path, body in _CALLS:
            script = load.lua_rotating(method, path, tokens, body)
            rows += _wrk_each(base, script, path, f"{method} {path}", ctx)
        conns = plan.reference_conns
        log(f"purchases with an Idempotency-Key each at {conns}")
        script = load.lua_rotating("POST", "/purchase", tokens, _CALLS[0][2], idempotent=True)
        rows.append(
            load.run_wrk(
                base + "/purchase",
                script,
                connections=conns,
                seconds=plan.seconds,
                name=f"POST /purchase, idempotency key ({conns} conn)",
            )
        )
        rows.append(extra.memory_row("after load", pid))
    log(f"purchases without group commit at {conns}")
    rows.append(
        extra.one_statement_purchases(
            ctx.dsn, ctx.env(), ctx.names, conns, plan.seconds, plan.workers
        )
    )
    return rows


def measure_side(ctx: Context) -> list[Measure]:
    """The service and both baselines (minimal, state-based) in alternating rounds, with the
    CPU time per request of each."""
    plan = ctx.plan
    where = side.PROJECTORS[plan.projectors]
    log(f"side by side: {plan.side_rounds} rounds of {plan.side_seconds:.0f} s; projectors {where}")
    runs = side.side_by_side(ctx, log)
    ctx.runs += runs
    return ratios.rows(runs)


def measure_batch(ctx: Context) -> list[Measure]:
    """The batch endpoint from one game server, on one and on two connections."""
    server_name = asyncio.run(extra.service_account(ctx.dsn))
    with servers.serving(
        "api.http.app:create_app", ctx.env(), workers=ctx.plan.workers, ready_path="/health"
    ) as (base, _):
        log("batch endpoint")
        [token] = workload.login_all(base, [server_name])
        return extra.measure_batches(
            base, token, ctx.ids, ctx.plan.seconds, size=ctx.plan.batch_size
        )


def measure_lag(ctx: Context) -> list[Measure]:
    """Projection lag at a fixed command rate, projectors in their own process."""
    log(f"projection lag at {ctx.plan.lag_rate:.0f} commands/s")
    return asyncio.run(lag.measure_lag(ctx.dsn, ctx.ids, ctx.plan.lag_rate, ctx.plan.lag_seconds))


def measure_soak(ctx: Context) -> list[Measure]:
    """Worker RSS across a mixed load of `soak_seconds`."""
    plan = ctx.plan
    log(f"soak: {plan.soak_seconds:.0f} s of mixed load")
    rows, samples = soak.soak(
        ctx.env(),
        ctx.names,
        workers=plan.workers,
        connections=plan.reference_conns,
        seconds=plan.soak_seconds,
    )
    ctx.series["soak_rss_mb"] = [
        {"seconds": round(at, 1), "workers": [round(mb, 1) for mb in sizes.values()]}
        for at, sizes in samples
    ]
    return rows


def measure_rebuild(ctx: Context) -> list[Measure]:
    """Events/s of `gameledger rebuild` per read model over the run's log."""
    log("rebuild")
    return asyncio.run(extra.measure_rebuild(ctx.dsn))


def measure_replica(ctx: Context) -> list[Measure]:
    """GET /balance with reads on a streaming standby against the primary (bench/replica.py)."""
    plan = ctx.plan
    log(f"reads on a standby against the primary at {plan.reference_conns}")
    return replica.measure(ctx.env(), plan.players, plan.reference_conns, plan.seconds)


def _sync(measure: Callable[[Context], Any]) -> Callable[[Context], list[Measure]]:
    def run(ctx: Context) -> list[Measure]:
        rows: list[Measure] = asyncio.run(measure(ctx))
        return rows

    return run


GROUPS: dict[str, Callable[[Context], list[Measure]]] = {
    "limits": _sync(measure_limits),
    "baseline": measure_baseline,
    "inprocess": _sync(measure_in_process),
    "service": measure_service,
    "side": measure_side,
    "batch": measure_batch,
    "lag": measure_lag,
    "soak": measure_soak,
    "rebuild": measure_rebuild,
    "replica": measure_replica,
}
# The replica group makes its own players, on its own primary and standby.
NEEDS_PLAYERS = frozenset(GROUPS) - {"limits", "baseline", "replica"}
