"""The measurement groups that run without an HTTP server (bench/groups.py): PostgreSQL's durable
commit and hot-row limits, the command layer in-process (with and without the treasury leg, on a
new and on a long wallet), projection lag at a fixed command rate, and rebuild throughput."""

import asyncio

from bench import extra, lag, limits, treasury, workload
from bench.context import Context, log
from bench.stats import Measure
from infra.config import Settings
from infra.db import create_pool
from service.bootstrap import bootstrap


async def measure_limits(ctx: Context) -> list[Measure]:
    """Durable commit and hot-row limits at each concurrency."""
    rows = []
    for hot in (False, True):
        for concurrency in ctx.plan.db_concurrency:
            log(f"{'hot row' if hot else 'durable commit'} at {concurrency}")
            rows.append(await limits.commit_limit(ctx.dsn, concurrency, ctx.plan.seconds, hot=hot))
    return rows


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


def measure_lag(ctx: Context) -> list[Measure]:
    """Projection lag at a fixed command rate, projectors in their own process."""
    log(f"projection lag at {ctx.plan.lag_rate:.0f} commands/s")
    return asyncio.run(lag.measure_lag(ctx.dsn, ctx.ids, ctx.plan.lag_rate, ctx.plan.lag_seconds))


def measure_rebuild(ctx: Context) -> list[Measure]:
    """Events/s of `gameledger rebuild` per read model over the run's log."""
    log("rebuild")
    return asyncio.run(extra.measure_rebuild(ctx.dsn))
