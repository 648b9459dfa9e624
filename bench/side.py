"""Side by side (`--only side`): the service and both baselines in alternating rounds.

The three apps run at once, each with its own database on the same PostgreSQL: the minimal
baseline (bench/baseline.py), our service, and the state-based ledger (bench/statebased.py).
A round drives each measure once with wrk, the runs compared with one another next to each
other; the next round takes them in the reverse order (A B C, C B A, ...), so a load that
comes and goes, or grows through the run, falls on both sides of every ratio.

Around every run the CPU time of the driven app's processes and of the PostgreSQL backends of
its database is read from /proc. After a run of the service the reading waits until its
projectors have folded what the run wrote: that work is part of what a request costs, and it
must not spill into the next side's run.
"""

import asyncio
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

import asyncpg

from bench import baseline, cpu, load, servers, statebased, workload
from bench.databases import drop_database, fresh_database
from bench.ratios import (
    BALANCE,
    BASE_INSERT,
    BASE_SELECT,
    PURCHASE,
    STATE_BALANCE,
    STATE_PURCHASE,
    TOP_UP,
    Run,
)
from projections import cursor
from projections.registry import PROJECTIONS

if TYPE_CHECKING:
    from bench.groups import Context

PURCHASE_BODY = '{"item":"gold_coin"}'
SETTLE_WITHIN = 30.0  # seconds the projectors get to fold a run's writes before reading on


class Step(NamedTuple):
    """One wrk run of a round."""

    kind: str
    app: str  # "baseline", "service" or "state"
    method: str
    path: str
    body: str | None
    conns: int


def round_steps(reference: int, wide: int | None) -> list[Step]:
    """The runs of one round; the runs a ratio compares are next to each other."""
    steps = [
        Step(BASE_INSERT, "baseline", "POST", "/insert", "{}", reference),
        Step(PURCHASE, "service", "POST", "/purchase", PURCHASE_BODY, reference),
        Step(STATE_PURCHASE, "state", "POST", "/purchase", PURCHASE_BODY, reference),
        Step(TOP_UP, "service", "POST", "/top-up", '{"amount":1}', reference),
        Step(BASE_SELECT, "baseline", "GET", "/select1", None, reference),
        Step(BALANCE, "service", "GET", "/balance", None, reference),
        Step(STATE_BALANCE, "state", "GET", "/balance", None, reference),
    ]
    if wide is not None:
        steps += [
            Step(BASE_INSERT, "baseline", "POST", "/insert", "{}", wide),
            Step(PURCHASE, "service", "POST", "/purchase", PURCHASE_BODY, wide),
            Step(STATE_PURCHASE, "state", "POST", "/purchase", PURCHASE_BODY, wide),
        ]
    return steps


def schedule(steps: list[Step], rounds: int) -> list[tuple[int, Step]]:
    """(round, step) in run order: the steps forward, then backward, and so on."""
    return [(n + 1, s) for n in range(rounds) for s in (steps if n % 2 == 0 else steps[::-1])]


@dataclass(frozen=True)
class App:
    """A running app: where it answers, its root process and its database."""

    base: str
    pid: int
    database: str
    tokens: list[str]
    projectors: bool


def _database(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/")


def side_by_side(ctx: "Context", log: Callable[[str], None]) -> list[Run]:
    """Every step of `ctx.plan.side_rounds` rounds; the runs with their CPU per request."""
    plan, run_db = ctx.plan, _database(ctx.dsn)
    reference = plan.reference_conns
    wide = 256 if 256 in plan.http_connections and reference != 256 else None
    names = {"baseline": f"{run_db}_baseline", "state": f"{run_db}_state"}
    dsns = asyncio.run(_databases(ctx, names))
    try:
        with ExitStack() as stack:
            started = {}
            for app, factory, ready in (
                ("baseline", "bench.baseline:create_baseline_app", "/select1"),
                ("state", "bench.statebased:create_state_app", "/ready"),
                ("service", "api.http.app:create_app", "/health"),
            ):
                dsn = dsns.get(app, ctx.dsn)
                env = ctx.env(GAMELEDGER_DSN=dsn, DATABASE_URL=dsn)
                serving = servers.serving(factory, env, workers=plan.workers, ready_path=ready)
                started[app] = (*stack.enter_context(serving), _database(dsn))
            tokens = workload.login_all(started["service"][0], ctx.names)
            apps = {
                name: App(base, pid, db, [] if name == "baseline" else tokens, name == "service")
                for name, (base, pid, db) in started.items()
            }
            steps = schedule(round_steps(reference, wide), plan.side_rounds)
            return asyncio.run(_rounds(ctx.dsn, apps, steps, plan.side_seconds, log))
    finally:
        for name in names.values():
            asyncio.run(drop_database(ctx.dsn, name))


async def _databases(ctx: "Context", names: dict[str, str]) -> dict[str, str]:
    """The baselines' databases, made and filled; their DSNs by app."""
    dsns = {app: await fresh_database(ctx.dsn, name) for app, name in names.items()}
    await baseline.create_table(dsns["baseline"])
    await statebased.create_schema(dsns["state"], ctx.ids, ctx.plan.funds)
    return dsns


async def _rounds(
    dsn: str,
    apps: dict[str, App],
    steps: list[tuple[int, Step]],
    seconds: float,
    log: Callable[[str], None],
) -> list[Run]:
    watch = await asyncpg.connect(dsn)
    try:
        # Unmeasured: each app's pool fills and its code warms up before the first round.
        widest = max(step.conns for _, step in steps)
        for app in {step.app: step for _, step in steps}.values():
            await _one(watch, apps[app.app], app._replace(conns=widest), 0, 1, log)
        runs = []
        for number, step in steps:
            log(f"side by side, round {number}: {step.kind} at {step.conns}")
            runs.append(await _one(watch, apps[step.app], step, number, seconds, log))
        return runs
    finally:
        await watch.close()


async def _one(
    watch: asyncpg.Connection,
    app: App,
    step: Step,
    number: int,
    seconds: float,
    log: Callable[[str], None],
) -> Run:
    """One wrk run, with the CPU it cost per request served."""
    script = load.lua_rotating(step.method, step.path, app.tokens, step.body)
    before = await cpu.read(watch, app.pid, app.database)
    row = await asyncio.to_thread(
        load.run_wrk,
        app.base + step.path,
        script,
        connections=step.conns,
        seconds=seconds,
        name=f"{step.kind} ({step.conns} conn)",
    )
    if app.projectors and not await settled(watch, SETTLE_WITHIN):
        log(f"the projectors had not caught up {SETTLE_WITHIN:.0f} s after {step.kind}")
    used = cpu.spent(before, await cpu.read(watch, app.pid, app.database))
    served = max(1, row.count)
    return Run(
        kind=step.kind,
        conns=step.conns,
        round=number,
        row=row,
        cpu_app_ms=used.app * 1000 / served,
        cpu_db_ms=used.db * 1000 / served,
        backends=used.backends,
    )


async def settled(conn: asyncpg.Connection, within: float) -> bool:
    """Wait until every projection has folded all events committed so far; False on timeout."""
    target = await cursor.head(conn)
    deadline = time.monotonic() + within
    for name in PROJECTIONS:
        while await cursor.behind(conn, name, target):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
    return True
