"""The performance issue's targets, checked against the rows of one run (where both sides ran)."""

import re
from collections.abc import Callable

import msgspec

from bench import ratios
from bench.stats import Measure

_CONNS = re.compile(r"\((\d+) (?:conn|tasks)")


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """One target of the issue with the figure this run measured."""

    measure: str
    target: str
    figure: str
    met: bool


def _by_conns(rows: dict[str, Measure], prefix: str) -> dict[int, Measure]:
    found = {}
    for name, row in rows.items():
        match = _CONNS.search(name)
        if name.startswith(prefix + " (") and match:
            found[int(match[1])] = row
    return found


def _pair(rows: dict[str, Measure], ours: str, theirs: str) -> tuple[Measure, Measure, int] | None:
    """Our row and the reference at the same concurrency: 64 if both ran there, else the most."""
    mine, ref = _by_conns(rows, ours), _by_conns(rows, theirs)
    common = sorted(set(mine) & set(ref))
    if not common:
        return None
    conns = 64 if 64 in common else common[-1]
    return mine[conns], ref[conns], conns


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _rate_target(
    rows: dict[str, Measure], ours: str, theirs: str, measure: str, least: float
) -> list[Target]:
    """`ours` as a share of `theirs` at the same concurrency ({c} in `measure`), if both ran."""
    pair = _pair(rows, ours, theirs)
    if not pair:
        return []
    mine, ref, conns = pair
    rate = _ratio(mine.per_second, ref.per_second)
    return [
        Target(
            measure=measure.format(c=conns),
            target=f">= {least:.0%}",
            figure=f"{mine.per_second:.0f}/s vs {ref.per_second:.0f}/s ({rate:.0%})",
            met=rate >= least,
        )
    ]


def _http(rows: dict[str, Measure]) -> list[Target]:
    """The write-pipeline issue's HTTP targets (purchases, top-ups, balance reads, 256 conn)."""
    out = []
    pair = _pair(rows, "POST /purchase", "baseline insert")
    if pair:
        p, b, c = pair
        rate, p99 = _ratio(p.per_second, b.per_second), _ratio(p.p99_ms, b.p99_ms)
        out.append(
            Target(
                measure=f"HTTP purchases vs minimal insert endpoint ({c} conn)",
                target=">= 85% of its rate; p99 <= 1.5x",
                figure=f"{p.per_second:.0f}/s vs {b.per_second:.0f}/s ({rate:.0%}); "
                f"p99 {p.p99_ms:.0f} vs {b.p99_ms:.0f} ms ({p99:.2f}x)",
                met=rate >= 0.85 and p99 <= 1.5,
            )
        )
    out += _rate_target(
        rows, "POST /top-up", "POST /purchase", "HTTP top-ups vs purchases ({c} conn)", 0.7
    )
    out += _rate_target(
        rows,
        "GET /balance",
        "baseline SELECT 1",
        "GET /balance vs SELECT 1 endpoint ({c} conn)",
        0.8,
    )
    mine, ref = _by_conns(rows, "POST /purchase"), _by_conns(rows, "baseline insert")
    if 256 in mine and 256 in ref:
        p, b = mine[256], ref[256]
        p99 = _ratio(p.p99_ms, b.p99_ms)
        out.append(
            Target(
                measure="HTTP purchases at 256 conn",
                target="no error; p99 <= 2x the baseline's",
                figure=f"{p.errors} errors; p99 {p.p99_ms:.0f} vs {b.p99_ms:.0f} ms ({p99:.2f}x)",
                met=p.errors == 0 and p99 <= 2,
            )
        )
    return out


def _treasury(rows: dict[str, Measure]) -> list[Target]:
    out = _rate_target(
        rows,
        "command layer purchases",
        "command layer purchases, no treasury leg",
        "hot treasury: purchases vs no treasury leg (command layer, {c} tasks)",
        0.95,
    )
    for ours, how in (("POST /purchase", "HTTP"), ("command layer purchases", "command layer")):
        pair = _pair(rows, ours, "hot row")
        if pair:
            p, h, c = pair
            times = _ratio(p.per_second, h.per_second)
            out.append(
                Target(
                    measure=f"hot treasury: {how} purchases vs naive hot row ({c} conn/tasks)",
                    target=">= 2x",
                    figure=f"{p.per_second:.0f}/s vs {h.per_second:.0f}/s ({times:.1f}x)",
                    met=times >= 2,
                )
            )
    return out


def _batch(rows: dict[str, Measure]) -> list[Target]:
    batches = [r for n, r in rows.items() if n.startswith("batch transfers")]
    limit = _by_conns(rows, "durable commit")
    if not batches or not limit:
        return []
    best, top = max(batches, key=lambda r: r.per_second), max(limit.values(), key=_rate)
    times = _ratio(best.per_second, top.per_second)
    return [
        Target(
            measure="batched transfers vs durable commit limit (best of each)",
            target=">= 3x",
            figure=f"{best.per_second:.0f}/s ({best.name}) vs {top.per_second:.0f}/s "
            f"({top.name}): {times:.1f}x",
            met=times >= 3,
        )
    ]


def _rate(row: Measure) -> float:
    return row.per_second


def _models(rows: dict[str, Measure]) -> list[Target]:
    out = []
    rebuilds = [r for n, r in rows.items() if n.startswith("rebuild ")]
    if rebuilds:
        slowest = min(rebuilds, key=_rate)
        out.append(
            Target(
                measure="rebuild (slowest read model)",
                target=">= 20,000 events/s",
                figure=f"{slowest.per_second:,.0f} events/s ({slowest.name})",
                met=slowest.per_second >= 20_000,
            )
        )
    for name, row in rows.items():
        if name.startswith("projection lag"):
            out.append(
                Target(
                    measure=name.removesuffix(" (ms)"),
                    target="p99 < 100 ms at 1,000 commands/s",
                    figure=f"p99 {row.p99_ms:.0f} ms, p50 {row.p50_ms:.0f} ms at "
                    f"{row.per_second:.0f} commands/s",
                    met=row.p99_ms < 100 and row.per_second >= 950 and row.errors == 0,
                )
            )
    return out


def _stream(rows: dict[str, Measure]) -> list[Target]:
    new = rows.get("purchase, new wallet")
    long = next((r for n, r in rows.items() if n.endswith("-event wallet")), None)
    if new is None or long is None:
        return []
    return [
        Target(
            measure=f"stream length: {long.name.removeprefix('purchase, ')} vs a new one (p50)",
            target="within 10%",
            figure=f"{long.p50_ms:.2f} ms vs {new.p50_ms:.2f} ms",
            met=long.p50_ms <= 1.1 * new.p50_ms,
        )
    ]


GROWTH_TOLERANCE_MB = 5.0  # allocator noise: a leak grows with the soak, this does not


def _memory(rows: dict[str, Measure]) -> list[Target]:
    sizes = [r.per_second for n, r in rows.items() if n.startswith("RSS per worker")]
    growth = rows.get("RSS growth over soak (MB)")
    out = []
    if sizes:
        out.append(
            Target(
                measure="RSS per worker (largest seen)",
                target="< 150 MB",
                figure=f"{max(sizes):.0f} MB",
                met=max(sizes) < 150,
            )
        )
    if growth:
        out.append(
            Target(
                measure="RSS growth across the soak",
                target=f"no growth (<= {GROWTH_TOLERANCE_MB:.0f} MB per worker)",
                figure=f"{growth.per_second:+.1f} MB ({growth.note})",
                met=growth.per_second <= GROWTH_TOLERANCE_MB,
            )
        )
    return out


CHECKS: tuple[Callable[[dict[str, Measure]], list[Target]], ...] = (
    _http,
    _treasury,
    _batch,
    _models,
    _stream,
    _memory,
)


def side_by_side(runs: list[ratios.Run]) -> list[Target]:
    """The issue's targets from the alternating rounds: each ratio's median over the rounds."""
    out = []
    for o in ratios.outcomes(runs):
        if o.met is None:
            continue
        figure = f"{o.median:.2f}x (rounds: {', '.join(f'{v:.2f}' for v in o.rounds)})"
        met, target = o.met, f"{o.target}x"
        if o.conns == 256:  # the wide row: no errors either
            errors = sum(r.row.errors for r in runs if (r.kind, r.conns) == (ratios.PURCHASE, 256))
            figure, met, target = (
                f"{errors} errors; p99 {figure}",
                met and not errors,
                f"no error; {target}",
            )
        out.append(
            Target(measure=f"{o.label} ({o.conns} conn)", target=target, figure=figure, met=met)
        )
    return out


def check(rows: list[Measure], runs: list[ratios.Run] | None = None) -> list[Target]:
    """Every target whose two sides this run measured; the HTTP ratios from the alternating
    rounds when they ran (rows measured minutes apart are a weaker figure)."""
    by_name = {row.name: row for row in rows}
    if runs:
        checks = [c for c in CHECKS if c is not _http]
        return side_by_side(runs) + [t for each in checks for t in each(by_name)]
    return [target for each in CHECKS for target in each(by_name)]


def report(targets: list[Target]) -> str:
    """The targets as text lines."""
    return "\n".join(
        f"{'PASS' if t.met else 'MISS'}  {t.measure}: {t.figure} (target {t.target})"
        for t in targets
    )
