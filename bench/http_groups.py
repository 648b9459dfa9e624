"""The measurement groups that drive servers over HTTP (bench/groups.py): the minimal baseline,
our service (purchases, top-ups, balance reads, memory, without group commit), the side-by-side
rounds, the batch endpoint, the soak's memory and reads on a standby; wrk runs each load."""

import asyncio

from bench import baseline, extra, load, ratios, replica, servers, side, soak, workload
from bench.context import Context, log
from bench.stats import Measure


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


def measure_replica(ctx: Context) -> list[Measure]:
    """GET /balance with reads on a streaming standby against the primary (bench/replica.py)."""
    plan = ctx.plan
    log(f"reads on a standby against the primary at {plan.reference_conns}")
    return replica.measure(ctx.env(), plan.players, plan.reference_conns, plan.seconds)
