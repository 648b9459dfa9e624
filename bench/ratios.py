"""The side-by-side figures: what each ratio compares, its value round by round, and its target.

Each ratio is taken within a round (the two runs were minutes apart at most, so a loaded moment
hits both), then the median of the rounds is the figure judged; the spread of the rounds shows
how far to trust it.
"""

import statistics
from collections.abc import Callable

import msgspec

from bench.stats import Measure

BASE_INSERT = "baseline insert"
BASE_SELECT = "baseline SELECT 1"
PURCHASE = "POST /purchase"
TOP_UP = "POST /top-up"
BALANCE = "GET /balance"
STATE_PURCHASE = "state-based purchase"
STATE_BALANCE = "state-based /balance"
PREFIX = "A/B "  # the side-by-side rows of the main table (apart from the groups' own rows)


class Run(msgspec.Struct, frozen=True, kw_only=True):
    """One wrk run of one round, with the CPU time it cost per request served."""

    kind: str
    conns: int
    round: int
    row: Measure
    cpu_app_ms: float  # the server's processes
    cpu_db_ms: float  # the PostgreSQL backends serving it
    backends: int  # backends that used CPU (0: /proc could not see them)
    cpu_fold_db_ms: float = 0.0  # the part of `cpu_db_ms` spent by the projectors' backends
    # Version races the service lost during the run (its conflict retries); None: a baseline.
    races: int | None = None

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds per request, server and PostgreSQL together."""
        return self.cpu_app_ms + self.cpu_db_ms


Figure = Callable[[Run], float]
FIGURES: dict[str, Figure] = {
    "rate": lambda run: run.row.per_second,
    "p99": lambda run: run.row.p99_ms,
    "cpu": lambda run: run.cpu_ms,
}


class Ratio(msgspec.Struct, frozen=True, kw_only=True):
    """Ours ÷ theirs on one figure; a target when `bound` is set."""

    label: str
    ours: str
    theirs: str
    figure: str = "rate"
    wide: bool = False  # at the wide connection count (256), not the reference one (64)
    bound: float | None = None
    at_most: bool = False  # the bound is an upper one

    def target(self) -> str:
        """The target as text ('-': reported only)."""
        if self.bound is None:
            return "-"
        return f"{'<=' if self.at_most else '>='} {self.bound:.2f}"

    def met(self, value: float) -> bool | None:
        """Whether `value` meets the target (None: no target)."""
        if self.bound is None:
            return None
        return value <= self.bound if self.at_most else value >= self.bound


RATIOS = (
    Ratio(label="purchases/s ÷ inserts/s", ours=PURCHASE, theirs=BASE_INSERT, bound=0.85),
    Ratio(
        label="purchases' p99 ÷ inserts' p99",
        ours=PURCHASE,
        theirs=BASE_INSERT,
        figure="p99",
        bound=1.5,
        at_most=True,
    ),
    Ratio(label="GET /balance/s ÷ SELECT 1/s", ours=BALANCE, theirs=BASE_SELECT, bound=0.80),
    Ratio(label="top-ups/s ÷ purchases/s", ours=TOP_UP, theirs=PURCHASE, bound=0.70),
    Ratio(
        label="purchases' p99 ÷ inserts' p99",
        ours=PURCHASE,
        theirs=BASE_INSERT,
        figure="p99",
        wide=True,
        bound=2.0,
        at_most=True,
    ),
    Ratio(label="purchases/s ÷ state-based purchases/s", ours=PURCHASE, theirs=STATE_PURCHASE),
    Ratio(
        label="purchases/s ÷ state-based purchases/s",
        ours=PURCHASE,
        theirs=STATE_PURCHASE,
        wide=True,
    ),
    Ratio(
        label="GET /balance/s ÷ state-based /balance/s",
        ours=BALANCE,
        theirs=STATE_BALANCE,
        bound=1.0,
    ),
    Ratio(label="CPU per purchase ÷ per insert", ours=PURCHASE, theirs=BASE_INSERT, figure="cpu"),
    Ratio(label="CPU per /balance ÷ per SELECT 1", ours=BALANCE, theirs=BASE_SELECT, figure="cpu"),
    Ratio(
        label="CPU per purchase ÷ per state-based purchase",
        ours=PURCHASE,
        theirs=STATE_PURCHASE,
        figure="cpu",
    ),
    Ratio(
        label="CPU per /balance ÷ per state-based /balance",
        ours=BALANCE,
        theirs=STATE_BALANCE,
        figure="cpu",
    ),
)


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """One ratio as this run measured it."""

    label: str
    conns: int
    rounds: list[float]  # ours ÷ theirs within each round both ran
    median: float
    target: str
    met: bool | None


def _by_round(runs: list[Run], kind: str, conns: int) -> dict[int, Run]:
    return {r.round: r for r in runs if r.kind == kind and r.conns == conns}


def connections(runs: list[Run]) -> tuple[int | None, int | None]:
    """The reference connection count (64, else the most below it) and the wide one (256)."""
    counts = {r.conns for r in runs}
    below = [c for c in counts if c <= 64]
    return (max(below) if below else None), (256 if 256 in counts else None)


def outcome(ratio: Ratio, runs: list[Run]) -> Outcome | None:
    """The ratio round by round and its median; None when the two sides never ran together."""
    reference, wide = connections(runs)
    conns = wide if ratio.wide else reference
    if conns is None:
        return None
    ours, theirs = _by_round(runs, ratio.ours, conns), _by_round(runs, ratio.theirs, conns)
    figure = FIGURES[ratio.figure]
    rounds = [
        figure(ours[n]) / figure(theirs[n])
        for n in sorted(set(ours) & set(theirs))
        if figure(theirs[n]) > 0
    ]
    if not rounds:
        return None
    median = statistics.median(rounds)
    return Outcome(
        label=ratio.label,
        conns=conns,
        rounds=rounds,
        median=median,
        target=ratio.target(),
        met=ratio.met(median),
    )


def outcomes(runs: list[Run]) -> list[Outcome]:
    """Every ratio both sides of which ran."""
    return [o for ratio in RATIOS if (o := outcome(ratio, runs)) is not None]


def rows(runs: list[Run]) -> list[Measure]:
    """One row per kind and connection count for the main table: medians of the rounds."""
    keys = sorted({(r.kind, r.conns) for r in runs}, key=lambda k: (k[1], k[0]))
    out = []
    for kind, conns in keys:
        mine = [r for r in runs if (r.kind, r.conns) == (kind, conns)]
        app = statistics.median(r.cpu_app_ms for r in mine)
        db = statistics.median(r.cpu_db_ms for r in mine)
        out.append(
            Measure(
                name=f"{PREFIX}{kind} ({conns} conn)",
                per_second=statistics.median(r.row.per_second for r in mine),
                p50_ms=statistics.median(r.row.p50_ms for r in mine),
                p95_ms=statistics.median(r.row.p95_ms for r in mine),
                p99_ms=statistics.median(r.row.p99_ms for r in mine),
                count=sum(r.row.count for r in mine),
                errors=sum(r.row.errors for r in mine),
                note=f"median of {len(mine)} rounds; CPU per request {app:.2f} ms server"
                f" + {db:.2f} ms PostgreSQL",
            )
        )
    return out


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("PASS" if met else "MISS")


def report(runs: list[Run]) -> str:
    """The ratios round by round, and each kind's CPU per request, as text."""
    found = outcomes(runs)
    rounds = max((r.round for r in runs), default=0)
    head = f"{'ratio (ours ÷ theirs)':46} {'conn':>4} " + " ".join(
        f"{'round ' + str(n):>8}" for n in range(1, rounds + 1)
    )
    lines = [head + f" {'median':>8}  {'target':8} verdict", "-" * (len(head) + 33)]
    for o in found:
        cells = " ".join(f"{v:8.2f}" for v in o.rounds).ljust(9 * rounds - 1)
        lines.append(
            f"{o.label:46} {o.conns:4d} {cells} {o.median:8.2f}  {o.target:8} {_verdict(o.met)}"
        )
    lines += ["", "CPU per request, median of the rounds (ms): server + PostgreSQL backends"]
    for kind, conns in sorted({(r.kind, r.conns) for r in runs}, key=lambda k: (k[1], k[0])):
        mine = [r for r in runs if (r.kind, r.conns) == (kind, conns)]
        app = statistics.median(r.cpu_app_ms for r in mine)
        db = statistics.median(r.cpu_db_ms for r in mine)
        seen = "" if any(r.backends for r in mine) else "  (PostgreSQL backends not seen)"
        fold = statistics.median(r.cpu_fold_db_ms for r in mine)
        if fold:
            seen += f"  (projectors' backends {fold:.3f})"
        lines.append(
            f"  {kind + f' ({conns} conn)':40} {app:6.3f} + {db:6.3f} = {app + db:6.3f}{seen}"
        )
    lines += _races(runs)
    return "\n".join(lines)


def _races(runs: list[Run]) -> list[str]:
    """The version races the service lost, per 1,000 requests served, round by round: a
    lost race re-reads and re-decides its commands, and a request that waited on one is among
    the slowest."""
    raced = [r for r in runs if r.races is not None]
    if not raced:
        return []
    lines = ["", "Version races lost by the service, per 1,000 requests (round by round)"]
    for kind, conns in sorted({(r.kind, r.conns) for r in raced}, key=lambda k: (k[1], k[0])):
        mine = sorted((r for r in raced if (r.kind, r.conns) == (kind, conns)), key=_round)
        cells = " ".join(f"{1000 * (r.races or 0) / max(1, r.row.count):8.1f}" for r in mine)
        lines.append(f"  {kind + f' ({conns} conn)':40} {cells}")
    return lines


def _round(run: Run) -> int:
    return run.round
