"""A hand-written SVG chart: throughput and p99 latency against concurrency for the HTTP rows."""

import math
import re
from html import escape

from bench.stats import Measure

# (series as named in the table, colour, dashed: the baselines are drawn dashed)
SERIES = (
    ("POST /purchase", "#1f77b4", False),
    ("POST /top-up", "#ff7f0e", False),
    ("GET /balance", "#2ca02c", False),
    ("baseline insert", "#7f3fbf", True),
    ("baseline SELECT 1", "#d62728", True),
)
_NAME = re.compile(r"^(?P<series>.+) \((?P<conns>\d+) conn\)$")
W, H, PANEL_W, PANEL_H, LEFT, TOP = 980, 430, 380, 280, 80, 50
Point = tuple[int, float]


def points(rows: list[Measure]) -> dict[str, list[tuple[int, float, float]]]:
    """(connections, per second, p99 ms) per series, sorted by connections."""
    found: dict[str, list[tuple[int, float, float]]] = {}
    for row in rows:
        match = _NAME.match(row.name)
        if match and match["series"] in {name for name, _, _ in SERIES}:
            found.setdefault(match["series"], []).append(
                (int(match["conns"]), row.per_second, row.p99_ms)
            )
    return {name: sorted(values) for name, values in found.items()}


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10.0 ** math.floor(math.log10(value))
    return next(m * step for m in (1, 2, 2.5, 5, 10) if m * step >= value)


class Panel:
    """One plot: x evenly spaced by log(connections), y linear or log."""

    def __init__(
        self, x0: float, conns: list[int], top: float, log_y: bool, bottom: float = 1
    ) -> None:
        self.x0, self.conns, self.top, self.log_y, self.bottom = x0, conns, top, log_y, bottom

    def x(self, conns: int) -> float:
        """Horizontal pixel of a connection count."""
        if len(self.conns) == 1:
            return self.x0 + PANEL_W / 2
        lo, hi = math.log(self.conns[0]), math.log(self.conns[-1])
        return self.x0 + 20 + (math.log(conns) - lo) / (hi - lo) * (PANEL_W - 40)

    def y(self, value: float) -> float:
        """Vertical pixel of a value."""
        if self.log_y:
            lo, hi = math.log10(self.bottom), math.log10(self.top)
            share = (math.log10(max(value, self.bottom)) - lo) / (hi - lo)
        else:
            share = value / self.top
        return TOP + PANEL_H - share * PANEL_H

    def ticks(self) -> list[float]:
        """Values with a grid line."""
        if self.log_y:
            low, high = round(math.log10(self.bottom)), round(math.log10(self.top))
            return [10.0**e for e in range(low, high + 1)]
        return [self.top * i / 5 for i in range(6)]


def _frame(panel: Panel, title: str, unit: str) -> list[str]:
    out = [
        f'<text x="{panel.x0 + PANEL_W / 2}" y="{TOP - 18}" text-anchor="middle" '
        f'font-weight="bold">{escape(title)}</text>',
        f'<rect x="{panel.x0}" y="{TOP}" width="{PANEL_W}" height="{PANEL_H}" '
        'fill="none" stroke="#999"/>',
    ]
    for value in panel.ticks():
        y = panel.y(value)
        out.append(
            f'<line x1="{panel.x0}" y1="{y:.1f}" x2="{panel.x0 + PANEL_W}" y2="{y:.1f}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{panel.x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,.0f}</text>'
        )
    for conns in panel.conns:
        out.append(
            f'<text x="{panel.x(conns):.1f}" y="{TOP + PANEL_H + 18}" '
            f'text-anchor="middle">{conns}</text>'
        )
    out.append(
        f'<text x="{panel.x0 + PANEL_W / 2}" y="{TOP + PANEL_H + 38}" text-anchor="middle">'
        f"connections (wrk)</text>"
        f'<text transform="translate({panel.x0 - 58},{TOP + PANEL_H / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(unit)}</text>'
    )
    return out


def _line(panel: Panel, pts: list[Point], colour: str, dashed: bool) -> list[str]:
    coords = " ".join(f"{panel.x(c):.1f},{panel.y(v):.1f}" for c, v in pts)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    out = [f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>']
    out += [
        f'<circle cx="{panel.x(c):.1f}" cy="{panel.y(v):.1f}" r="3.5" fill="{colour}"/>'
        for c, v in pts
    ]
    return out


def _legend(names: list[tuple[str, str, bool]]) -> list[str]:
    out = []
    for index, (name, colour, dashed) in enumerate(names):
        x, y = LEFT + index * 175, H - 22
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 28}" y2="{y}" stroke="{colour}" '
            f'stroke-width="2"{dash}/><text x="{x + 34}" y="{y + 4}">{escape(name)}</text>'
        )
    return out


def svg(rows: list[Measure], title: str) -> str | None:
    """The chart as SVG text, or None when the run has no HTTP rows to draw."""
    series = points(rows)
    if not series:
        return None
    conns = sorted({c for values in series.values() for c, _, _ in values})
    all_values = [v for values in series.values() for v in values]
    rate = Panel(LEFT, conns, _nice_max(max(r for _, r, _ in all_values)), log_y=False)
    p99s = [p for _, _, p in all_values if p > 0] or [1.0]
    low = 10.0 ** math.floor(math.log10(min(p99s)))
    high = 10.0 ** math.ceil(math.log10(max(p99s) * 1.01))
    late = Panel(LEFT + PANEL_W + 110, conns, high, log_y=True, bottom=low)
    body = _frame(rate, "throughput", "requests/s") + _frame(late, "p99 latency", "ms (log)")
    shown = [s for s in SERIES if s[0] in series]
    for name, colour, dashed in shown:
        body += _line(rate, [(c, r) for c, r, _ in series[name]], colour, dashed)
        body += _line(late, [(c, p) for c, _, p in series[name]], colour, dashed)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">\n'
        f'<rect width="{W}" height="{H}" fill="white"/>\n'
        f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>\n'
        + "\n".join(body + _legend(shown))
        + "\n</svg>\n"
    )
