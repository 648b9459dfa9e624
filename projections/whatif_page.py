"""A what-if report as one self-contained HTML page: the tables and, per currency, the net
supply over time now against the candidate as an inline SVG chart (no script, nothing fetched).
`gameledger whatif --html FILE` writes it."""

from datetime import datetime
from html import escape

from domain.whatif import SupplyPoint, WhatIfReport

W, H, PAD = 640, 220, 48
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:760px;color:#1d2330}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}tr{border-bottom:1px solid #dde}
.up{color:#0a7d32}.down{color:#b3261e}.key span{display:inline-block;width:1em;height:.3em;
margin:0 .3em .2em 1em}.now{background:#5468d4;stroke:#5468d4}
.cand{background:#e8833a;stroke:#e8833a}svg .now,svg .cand{fill:none;stroke-width:2}
svg text{font-size:11px;fill:#667}svg line.axis{stroke:#ccd}
"""


def render(report: WhatIfReport, title: str = "What-if: the candidate catalog") -> str:
    """The page, as text."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{report.transfers:,} transfers replayed: {report.purchases:,} purchases and "
        f"{report.uses:,} uses of items.</p>",
        "<h2>Currencies</h2>",
        _currencies(report),
        "<h2>Items</h2>",
        _items(report),
    ]
    for currency, points in report.supply.items():
        parts += [f"<h2>Net supply of {escape(currency)} over time</h2>", chart(points)]
    parts.append("</body></html>")
    return "\n".join(parts)


def _delta(now: int, candidate: int) -> str:
    change = candidate - now
    kind = "up" if change > 0 else "down" if change < 0 else ""
    return f'<td class="{kind}">{change:+,}</td>'


def _currencies(report: WhatIfReport) -> str:
    rows = [
        "<table><tr><th>currency</th><th></th><th>now</th><th>candidate</th><th>change</th></tr>"
    ]
    for c in report.currencies:
        for label, pair in (
            ("spent", c.spent),
            ("granted", c.granted),
            ("net supply change", c.net_supply_change),
        ):
            rows.append(
                f"<tr><td>{escape(c.currency)}</td><td>{label}</td><td>{pair.now:,}</td>"
                f"<td>{pair.candidate:,}</td>{_delta(pair.now, pair.candidate)}</tr>"
            )
    return "".join(rows) + "</table>"


def _items(report: WhatIfReport) -> str:
    rows = [
        "<table><tr><th>item</th><th>bought now</th><th>with the candidate</th>"
        "<th>unaffordable purchases</th></tr>"
    ]
    for i in report.items:
        rows.append(
            f"<tr><td>{escape(i.item)}</td><td>{i.bought.now:,}</td>"
            f"<td>{i.bought.candidate:,}</td><td>{i.unaffordable:,}</td></tr>"
        )
    return "".join(rows) + "</table>"


def chart(points: list[SupplyPoint]) -> str:
    """Two lines (now, candidate) of the cumulative net supply change, as inline SVG."""
    if not points:
        return "<p>No movement of this currency.</p>"
    values = [v for p in points for v in (p.now, p.candidate)]
    low, high = min(0, *values), max(0, *values)
    span = (high - low) or 1
    first, last = points[0].at, points[-1].at
    width = (last - first).total_seconds() or 1.0

    def x(at: datetime) -> float:
        return PAD + (W - 2 * PAD) * (at - first).total_seconds() / width

    def y(value: int) -> float:
        return H - PAD / 2 - (H - PAD) * (value - low) / span

    def line(kind: str, pick: int) -> str:
        xy = " ".join(f"{x(p.at):.1f},{y((p.now, p.candidate)[pick]):.1f}" for p in points)
        return f'<polyline class="{kind}" points="{xy}"/>'

    return (
        f'<svg viewBox="0 0 {W} {H}" width="100%" role="img" '
        f'aria-label="net supply over time, now and with the candidate">'
        f'<line class="axis" x1="{PAD}" x2="{W - PAD}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>'
        f'<text x="{PAD - 6}" y="{y(high) + 4:.1f}" text-anchor="end">{high:,}</text>'
        f'<text x="{PAD - 6}" y="{y(low) + 4:.1f}" text-anchor="end">{low:,}</text>'
        f'<text x="{PAD}" y="{H - 4}">{escape(first.isoformat(timespec="seconds"))}</text>'
        f'<text x="{W - PAD}" y="{H - 4}" text-anchor="end">'
        f"{escape(last.isoformat(timespec='seconds'))}</text>"
        f"{line('now', 0)}{line('cand', 1)}</svg>"
        '<p class="key"><span class="now"></span>now<span class="cand"></span>candidate</p>'
    )
