"""The benchmark run: limits, baseline and our service side by side, as a table and JSON."""

import asyncio
import os
import sys
import time
from pathlib import Path

import asyncpg
import msgspec

from api.bench import extra, limits, load, servers, workload
from api.bench.stats import Measure
from domain.commands import EconomyRules
from infra import migrate
from infra.catalog import load_catalog
from infra.config import Settings
from infra.db import create_pool, with_database
from infra.ledger import LedgerService

JWT_SECRET = "bench-secret-that-is-at-least-32-bytes-long"  # noqa: S105 - bench only


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """How long and how wide each measurement runs."""

    seconds: float
    db_concurrency: tuple[int, ...]
    http_connections: tuple[int, ...]
    players: int
    long_stream: int
    workers: int


QUICK = Plan(
    seconds=1,
    db_concurrency=(1, 16),
    http_connections=(16,),
    players=8,
    long_stream=2_000,
    workers=1,
)
FULL = Plan(
    seconds=10,
    db_concurrency=(1, 16, 64),
    http_connections=(16, 64, 256),
    players=200,
    long_stream=100_000,
    workers=2,
)


async def fresh_database(server_dsn: str, name: str) -> str:
    """Drop and re-create a database for the run; its DSN."""
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_dsn, name)


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


async def measure_limits(dsn: str, plan: Plan) -> list[Measure]:
    """Durable commit and hot-row limits at each concurrency."""
    rows = []
    for hot in (False, True):
        for concurrency in plan.db_concurrency:
            _log(f"{'hot row' if hot else 'durable commit'} at {concurrency}")
            rows.append(await limits.commit_limit(dsn, concurrency, plan.seconds, hot=hot))
    return rows


def measure_baseline(dsn: str, plan: Plan) -> list[Measure]:
    """The minimal Litestar endpoint inserting one row, and `SELECT 1`, over HTTP."""
    rows = []
    env = {"GAMELEDGER_DSN": dsn}
    with servers.serving(
        "api.bench.baseline:create_baseline_app", env, workers=plan.workers, ready_path="/select1"
    ) as (base, _):
        for conns in plan.http_connections:
            _log(f"baseline insert at {conns}")
            script = load.lua_rotating("POST", "/insert", [], "{}")
            rows.append(
                load.run_wrk(
                    base + "/insert",
                    script,
                    connections=conns,
                    seconds=plan.seconds,
                    name=f"baseline insert ({conns} conn)",
                )
            )
        script = load.lua_rotating("GET", "/select1", [], None)
        rows.append(
            load.run_wrk(
                base + "/select1",
                script,
                connections=64,
                seconds=plan.seconds,
                name="baseline SELECT 1 (64 conn)",
            )
        )
    return rows


def _env(dsn: str) -> dict[str, str]:
    return {
        "GAMELEDGER_DSN": dsn,
        "DATABASE_URL": dsn,
        "JWT_SECRET": JWT_SECRET,
        "RUN_PROJECTORS": "true",
        "LOG_LEVEL": "WARNING",
        "GAMELEDGER_ENV": "development",
    }


_CALLS: list[tuple[str, str, str | None]] = [
    ("POST", "/purchase", '{"item":"gold_coin"}'),
    ("POST", "/top-up", '{"amount":1}'),
    ("GET", "/balance", None),
]


def measure_service(dsn: str, plan: Plan, names: list[str]) -> list[Measure]:
    """Our service over HTTP: purchases, top-ups, balance reads, batches; memory after."""
    rows = []
    server_name = asyncio.run(extra.service_account(dsn))
    ids = asyncio.run(extra.player_ids(dsn))
    with servers.serving(
        "api.app:create_app", _env(dsn), workers=plan.workers, ready_path="/health"
    ) as (base, pid):
        rows.append(extra.memory_row("idle", pid))
        tokens = workload.login_all(base, names)
        for method, path, body in _CALLS:
            for conns in plan.http_connections:
                _log(f"service {method} {path} at {conns}")
                script = load.lua_rotating(method, path, tokens, body)
                rows.append(
                    load.run_wrk(
                        base + path,
                        script,
                        connections=conns,
                        seconds=plan.seconds,
                        name=f"{method} {path} ({conns} conn)",
                    )
                )
        _log("batch endpoint")
        [server_token] = workload.login_all(base, [server_name])
        rows.append(extra.measure_batches(base, server_token, ids, plan.seconds))
        rows.append(extra.memory_row("after load", pid))
    conns = max(c for c in plan.http_connections if c <= 64)
    _log(f"group commit purchases at {conns}")
    rows.append(
        extra.group_commit_purchases(dsn, _env(dsn), names, conns, plan.seconds, plan.workers)
    )
    return rows


async def measure_in_process(dsn: str, plan: Plan) -> tuple[list[Measure], list[str]]:
    """Command layer without HTTP, and the long-stream comparison; returns bench players too."""
    settings = Settings(environment="test", db_pool_max=40)
    conn = await asyncpg.connect(dsn)
    await migrate.migrate(conn)
    await conn.close()
    pool = await create_pool(dsn, settings)
    ledger = LedgerService(pool, catalog=load_catalog(None), rules=EconomyRules())
    try:
        await ledger.seed_genesis()
        _log(f"creating {plan.players} players")
        names = await workload.make_players(ledger, plan.players, funds=50_000)
        ids = [r["player_id"] for r in await pool.fetch("SELECT player_id FROM credentials")]
        rows = [await workload.command_layer(ledger, ids, 64, plan.seconds)]
        _log(f"growing a wallet to {plan.long_stream} events")
        long_names = await workload.make_players(ledger, 2, funds=10 * plan.long_stream + 50_000)
        creds = {
            r["username"]: r["player_id"]
            for r in await pool.fetch(
                "SELECT username, player_id FROM credentials WHERE username = ANY($1)", long_names
            )
        }
        long_id, new_id = creds[long_names[0]], creds[long_names[1]]
        await workload.grow_stream(pool, long_id, plan.long_stream)
        count = 200 if plan is QUICK else 2_000
        rows.append(
            await workload.sequential_purchases(ledger, new_id, count, "purchase, new wallet")
        )
        rows.append(
            await workload.sequential_purchases(
                ledger, long_id, count, f"purchase, {plan.long_stream}-event wallet"
            )
        )
        return rows, names
    finally:
        await pool.close()


def table(rows: list[Measure]) -> str:
    """The rows as a fixed-width table."""
    columns = ("per s", "p50 ms", "p95 ms", "p99 ms")
    head = f"{'measure':44} " + " ".join(f"{c:>9}" for c in columns) + f" {'errors':>7}  note"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.name:44} {r.per_second:10.0f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} "
            f"{r.p99_ms:8.2f} {r.errors:7d}  {r.note}"
        )
    return "\n".join(lines)


def _measure_all(dsn: str, plan: Plan) -> list[Measure]:
    rows = asyncio.run(measure_limits(dsn, plan))
    rows += measure_baseline(dsn, plan)
    in_process, names = asyncio.run(measure_in_process(dsn, plan))
    rows += in_process
    rows += measure_service(dsn, plan, names)
    _log("rebuild")
    rows += asyncio.run(extra.measure_rebuild(dsn))
    return rows


async def drop_database(server_dsn: str, name: str) -> None:
    """Drop the run's database."""
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def run(
    server_dsn: str,
    *,
    quick: bool,
    out_dir: Path,
) -> list[Measure]:
    """Every measurement in order; writes JSON to `out_dir` and returns the rows."""
    plan = QUICK if quick else FULL
    started = time.time()
    # Per process: two runs (or a run and the test suite) on one server never collide.
    name = f"gameledger_bench_{os.getpid()}"
    dsn = asyncio.run(fresh_database(server_dsn, name))
    try:
        rows = _measure_all(dsn, plan)
    finally:
        asyncio.run(drop_database(server_dsn, name))
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "quick": quick,
        "started": started,
        "cpus": os.cpu_count(),
        "plan": msgspec.to_builtins(plan),
        "rows": msgspec.to_builtins(rows),
    }
    path = out_dir / f"bench-{'quick' if quick else 'full'}-{int(started)}.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(report)))
    print(table(rows))
    print(f"\nJSON: {path}")
    return rows
