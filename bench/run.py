"""The benchmark run: limits, the baselines and our service side by side, as tables, JSON, SVG."""

import asyncio
import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from bench import chart, ratios, targets
from bench.context import Context, Plan, log, prepare
from bench.databases import drop_database, fresh_database
from bench.groups import GROUPS, NEEDS_PLAYERS
from bench.stats import Measure

QUICK = Plan(
    seconds=1,
    db_concurrency=(1, 16),
    http_connections=(16,),
    players=8,
    long_stream=2_000,
    workers=1,
    lag_rate=200,
    lag_seconds=2,
    soak_seconds=3,
    # Few players: their funds must outlast both batch rows' windows on a fast machine too.
    batch_size=100,
    funds=250_000,
    # Two short rounds: the side-by-side group only has to show it works.
    side_rounds=2,
    side_seconds=1,
)
FULL = Plan(
    seconds=10,
    db_concurrency=(1, 16, 64),
    http_connections=(16, 64, 256),
    players=200,
    long_stream=100_000,
    workers=2,
    lag_rate=1000,
    lag_seconds=20,
    soak_seconds=600,
)


def parse_only(text: str | None) -> tuple[str, ...]:
    """The groups named in `--only` (comma-separated), in run order; all when None."""
    if text is None or text.strip() in {"", "all"}:
        return tuple(GROUPS)
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(GROUPS))
    if unknown:
        raise ValueError(f"unknown group {unknown[0]!r}; known: {', '.join(GROUPS)}")
    return tuple(name for name in GROUPS if name in names)


def table(rows: list[Measure]) -> str:
    """The rows as a fixed-width table."""
    columns = ("per s", "p50 ms", "p95 ms", "p99 ms")
    head = f"{'measure':56} " + " ".join(f"{c:>9}" for c in columns) + f" {'errors':>7}  note"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.name:56} {r.per_second:10.0f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} "
            f"{r.p99_ms:8.2f} {r.errors:7d}  {r.note}"
        )
    return "\n".join(lines)


def measure(ctx: Context, groups: Iterable[str]) -> list[Measure]:
    """The chosen groups in run order (players first when a group needs them)."""
    chosen = list(groups)
    if NEEDS_PLAYERS & set(chosen):
        asyncio.run(prepare(ctx))
    rows: list[Measure] = []
    for name in chosen:
        started = time.monotonic()
        rows += GROUPS[name](ctx)
        log(f"{name} took {time.monotonic() - started:.0f} s")
    return rows


def _write(out_dir: Path, stem: str, report: dict[str, object], rows: list[Measure]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(report)))
    when = datetime.fromtimestamp(float(str(report["started"])), UTC)
    title = f"gameledger bench ({stem.split('-')[1]}), {when:%Y-%m-%d %H:%M} UTC"
    drawing = chart.svg(rows, f"{title}, {report['cpus']} CPUs")
    if drawing is not None:
        path.with_suffix(".svg").write_text(drawing)
    return path


def run(
    server_dsn: str,
    *,
    quick: bool,
    out_dir: Path,
    only: tuple[str, ...] = tuple(GROUPS),
    soak_seconds: float | None = None,
    rounds: int | None = None,
    round_seconds: float | None = None,
    projectors: str = "in",
) -> list[Measure]:
    """The chosen measurements in order; writes JSON (and an SVG chart) to `out_dir`."""
    plan = QUICK if quick else FULL
    if soak_seconds is not None:
        plan = msgspec.structs.replace(plan, soak_seconds=soak_seconds)
    if rounds is not None:
        plan = msgspec.structs.replace(plan, side_rounds=rounds)
    if round_seconds is not None:
        plan = msgspec.structs.replace(plan, side_seconds=round_seconds)
    plan = msgspec.structs.replace(plan, projectors=projectors)
    started = time.time()
    # Per process: two runs (or a run and the test suite) on one server never collide.
    name = f"gameledger_bench_{os.getpid()}"
    ctx = Context(dsn=asyncio.run(fresh_database(server_dsn, name)), plan=plan)
    try:
        rows = measure(ctx, only)
    finally:
        asyncio.run(drop_database(server_dsn, name))
    checked = targets.check(rows, ctx.runs)
    report: dict[str, object] = {
        "quick": quick,
        "started": started,
        "seconds": round(time.time() - started),
        "cpus": os.cpu_count(),
        "groups": list(only),
        "plan": msgspec.to_builtins(plan),
        "rows": msgspec.to_builtins(rows),
        "targets": msgspec.to_builtins(checked),
        "series": ctx.series,
        "side_by_side": {
            "runs": msgspec.to_builtins(ctx.runs),
            "ratios": msgspec.to_builtins(ratios.outcomes(ctx.runs)),
        },
    }
    path = _write(out_dir, f"bench-{'quick' if quick else 'full'}-{int(started)}", report, rows)
    print(table(rows))
    if ctx.runs:
        heading = f"Side by side, {plan.side_rounds} rounds, projectors {plan.projectors}"
        print(f"\n{heading}:\n" + ratios.report(ctx.runs))
    if checked:
        print("\nAgainst the targets of the performance issue:\n" + targets.report(checked))
    print(f"\nJSON: {path}")
    return rows
