"""Side by side (`--only side`): the service and both baselines in alternating rounds.

Three apps, each with its own database on the same PostgreSQL: the minimal baseline
(bench/baseline.py), our service, and the state-based ledger (bench/statebased.py). A round
drives each measure once with wrk, one app after the other; the next round takes them in the
reverse order (A B C, C B A, ...), so a load that comes and goes, or grows through the run,
falls on both sides of every ratio.

Around every run the CPU time of the driven app's processes and of the PostgreSQL backends of
its database is read from /proc. After a run of the service the reading waits until its
projectors have folded what the run wrote: that work is part of what a request costs, and it
must not spill into the next side's run.
"""

import asyncio
import contextlib
import itertools
import time
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

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
from infra.db import database_of
from projections import cursor
from projections.registry import PROJECTIONS

if TYPE_CHECKING:
    from bench.context import Context

PURCHASE_BODY = '{"item":"gold_coin"}'
# Where the measured service runs its projectors (`python -m bench --projectors`).
PROJECTORS = {
    "in": "in the service's workers, as `gameledger serve` runs them (the default)",
    "apart": "in a `gameledger project` process beside the service, on the same cores, its CPU "
    "counted (docker-compose.yml's shape)",
    "off": "not during a run: folded before each run, uncounted (an upper bound for projectors "
    "on cores of their own)",
}
RACES_METRIC = "gameledger_version_conflict_retries_total"
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
    """The runs of one round, each app's together (only one app runs at a time)."""
    steps = [
        Step(BASE_INSERT, "baseline", "POST", "/insert", "{}", reference),
        Step(BASE_SELECT, "baseline", "GET", "/select1", None, reference),
        Step(PURCHASE, "service", "POST", "/purchase", PURCHASE_BODY, reference),
        Step(TOP_UP, "service", "POST", "/top-up", '{"amount":1}', reference),
        Step(BALANCE, "service", "GET", "/balance", None, reference),
        Step(STATE_PURCHASE, "state", "POST", "/purchase", PURCHASE_BODY, reference),
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
    """How to start an app, and what it needs."""

    factory: str
    ready: str
    dsn: str
    tokens: list[str]
    env: dict[str, str] = field(default_factory=dict)


def side_by_side(ctx: "Context", log: Callable[[str], None]) -> list[Run]:
    """Every step of `ctx.plan.side_rounds` rounds; the runs with their CPU per request.

    One app runs at a time: three apps of two workers with full pools (40 connections each)
    would pass PostgreSQL's default 100 connections. Each is started for its steps of a round,
    given one unmeasured second of load (full pool, warm code), and stopped.
    """
    plan, run_db = ctx.plan, database_of(ctx.dsn)
    reference = plan.reference_conns
    wide = 256 if 256 in plan.http_connections and reference != 256 else None
    names = {"baseline": f"{run_db}_baseline", "state": f"{run_db}_state"}
    dsns = asyncio.run(_databases(ctx, names))
    try:
        service = App("api.http.app:create_app", "/health", ctx.dsn, [])
        with _started(ctx, service) as (base, _):
            tokens = workload.login_all(base, ctx.names)
        mode = plan.projectors
        apart = {} if mode == "in" else {"RUN_PROJECTORS": "false"}
        apps = {
            "baseline": App("bench.baseline:create_baseline_app", "/select1", dsns["baseline"], []),
            "service": App(service.factory, service.ready, ctx.dsn, tokens, apart),
            "state": App("bench.statebased:create_state_app", "/ready", dsns["state"], tokens),
        }
        runs: list[Run] = []
        steps = schedule(round_steps(reference, wide), plan.side_rounds)
        for (number, name), group in itertools.groupby(steps, key=lambda s: (s[0], s[1].app)):
            app = apps[name]
            service_here = name == "service"
            with contextlib.ExitStack() as stack:
                base, pid = stack.enter_context(_started(ctx, app))
                pids = [pid]
                if service_here and mode == "apart":
                    pids.append(stack.enter_context(servers.projecting(ctx.env())))
                todo = [step for _, step in group]
                log(f"side by side, round {number}: {', '.join(s.kind for s in todo)}")
                served = Served(
                    base,
                    tuple(pids),
                    database_of(app.dsn),
                    app.tokens,
                    projectors=service_here and mode != "off",
                    fold_env=ctx.env() if service_here and mode == "off" else None,
                    service=service_here,
                )
                runs += asyncio.run(_segment(ctx.dsn, served, todo, number, plan.side_seconds, log))
        return runs
    finally:
        for database in names.values():
            asyncio.run(drop_database(ctx.dsn, database))


def _started(ctx: "Context", app: App) -> AbstractContextManager[tuple[str, int]]:
    env = ctx.env(GAMELEDGER_DSN=app.dsn, DATABASE_URL=app.dsn, **app.env)
    return servers.serving(app.factory, env, workers=ctx.plan.workers, ready_path=app.ready)


@dataclass(frozen=True)
class Served:
    """A running app: where it answers, its processes' roots, its database, and how its
    projectors run (`projectors`: during the runs; `fold_env`: the environment of a projector
    process that folds the log before each run, when they are off during runs)."""

    base: str
    pids: tuple[int, ...]
    database: str
    tokens: list[str]
    projectors: bool
    fold_env: dict[str, str] | None = None
    service: bool = False  # the ledger itself: its lost version races are counted


async def _databases(ctx: "Context", names: dict[str, str]) -> dict[str, str]:
    """The baselines' databases, made and filled; their DSNs by app."""
    dsns = {app: await fresh_database(ctx.dsn, name) for app, name in names.items()}
    await baseline.create_table(dsns["baseline"])
    await statebased.create_schema(dsns["state"], ctx.ids, ctx.plan.funds)
    return dsns


async def _segment(
    dsn: str,
    app: Served,
    steps: list[Step],
    number: int,
    seconds: float,
    log: Callable[[str], None],
) -> list[Run]:
    """One app's steps of a round, after an unmeasured second of its first step."""
    watch = await asyncpg.connect(dsn)
    try:
        widest = max(step.conns for step in steps)
        await _one(watch, app, steps[0]._replace(conns=widest), 0, 1, log)
        return [await _one(watch, app, step, number, seconds, log) for step in steps]
    finally:
        await watch.close()


async def _one(
    watch: asyncpg.Connection,
    app: Served,
    step: Step,
    number: int,
    seconds: float,
    log: Callable[[str], None],
) -> Run:
    """One wrk run, with the CPU it cost per request served."""
    script = load.lua_rotating(step.method, step.path, app.tokens, step.body)
    if app.fold_env is not None:
        with servers.projecting(app.fold_env):
            if not await settled(watch, SETTLE_WITHIN):
                log(f"the projectors had not caught up {SETTLE_WITHIN:.0f} s before {step.kind}")
    races_before = await asyncio.to_thread(races_lost, app.base) if app.service else None
    before = await cpu.read(watch, app.pids, app.database)
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
    used = cpu.spent(before, await cpu.read(watch, app.pids, app.database))
    races = None
    if races_before is not None:
        races = await asyncio.to_thread(races_lost, app.base) - races_before
    served = max(1, row.count)
    return Run(
        kind=step.kind,
        conns=step.conns,
        round=number,
        row=row,
        cpu_app_ms=used.app * 1000 / served,
        cpu_db_ms=used.db * 1000 / served,
        backends=used.backends,
        cpu_fold_db_ms=used.folding * 1000 / served,
        races=races,
    )


def races_lost(base: str) -> int:
    """The version races the service has lost so far, all workers together (its
    `/metrics`, open to the bench's loopback client)."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return sum(
        round(float(line.split()[-1]))
        for line in text.splitlines()
        if line.startswith(RACES_METRIC + " ")
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
