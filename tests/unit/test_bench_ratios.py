"""The side-by-side bench's pure parts: the alternation, the ratios, the targets, /proc CPU."""

import os
import subprocess
import sys
import time

from bench import cpu, ratios, side, targets
from bench.ratios import BASE_INSERT, PURCHASE, STATE_PURCHASE, Run
from bench.stats import Measure


def run(
    kind: str, number: int, rate: float, p99: float = 10.0, conns: int = 64, **kw: float
) -> Run:
    row = Measure(name=kind, per_second=rate, p50_ms=1, p95_ms=5, p99_ms=p99, count=100,
                  errors=int(kw.get("errors", 0)))  # fmt: skip
    return Run(kind=kind, conns=conns, round=number, row=row, cpu_app_ms=kw.get("app", 1.0),
               cpu_db_ms=kw.get("db", 0.5), backends=2,
               cpu_fold_db_ms=kw.get("fold", 0.0))  # fmt: skip


def test_rounds_alternate_forward_and_back() -> None:
    steps = side.round_steps(64, None)
    order = side.schedule(steps, 3)
    assert [s for n, s in order if n == 1] == steps
    assert [s for n, s in order if n == 2] == steps[::-1]
    assert [s for n, s in order if n == 3] == steps
    assert {s.conns for s in side.round_steps(64, 256)} == {64, 256}


def test_a_ratio_is_taken_within_each_round_and_judged_on_the_median() -> None:
    runs = [
        run(BASE_INSERT, 1, 1000), run(PURCHASE, 1, 900),  # 0.90
        run(BASE_INSERT, 2, 2000), run(PURCHASE, 2, 1000),  # 0.50: a loaded moment on both
        run(BASE_INSERT, 3, 1000), run(PURCHASE, 3, 880),  # 0.88
    ]  # fmt: skip
    [rate] = [o for o in ratios.outcomes(runs) if o.label == "purchases/s ÷ inserts/s"]
    assert rate.rounds == [0.9, 0.5, 0.88]
    assert rate.median == 0.88
    assert rate.met is True
    [p99] = [o for o in ratios.outcomes(runs) if o.label.startswith("purchases' p99")]
    assert p99.median == 1.0
    assert p99.met is True


def test_the_targets_say_pass_or_miss_and_the_wide_row_counts_errors() -> None:
    runs = [
        run(BASE_INSERT, 1, 1000), run(PURCHASE, 1, 500), run(STATE_PURCHASE, 1, 70),
        run(BASE_INSERT, 1, 900, p99=100, conns=256),
        run(PURCHASE, 1, 800, p99=150, conns=256, errors=3),
    ]  # fmt: skip
    found = {t.measure: t for t in targets.check([], runs)}
    assert found["purchases/s ÷ inserts/s (64 conn)"].met is False
    assert "0.50x" in found["purchases/s ÷ inserts/s (64 conn)"].figure
    wide = found["purchases' p99 ÷ inserts' p99 (256 conn)"]
    assert wide.met is False  # p99 1.5x is within 2x, but 3 requests failed
    assert wide.figure.startswith("3 errors")
    assert not any("state-based purchases" in m for m in found)  # reported, not a target
    text = targets.report(list(found.values()))
    assert text.splitlines()[0].startswith("MISS")
    report = ratios.report(runs)
    assert "purchases/s ÷ state-based purchases/s" in report
    assert "7.14" in report  # 500 / 70


def test_the_cpu_table_shows_the_projectors_share_of_postgresql() -> None:
    runs = [run(BASE_INSERT, 1, 1000), run(PURCHASE, 1, 900, db=0.25, fold=0.06)]
    lines = ratios.report(runs).splitlines()
    [purchase] = [line for line in lines if line.strip().startswith("POST /purchase")]
    assert purchase.endswith("(projectors' backends 0.060)")
    [insert] = [line for line in lines if line.strip().startswith("baseline insert")]
    assert "projectors" not in insert


def test_main_table_rows_are_medians_of_the_rounds() -> None:
    runs = [
        run(PURCHASE, n, rate, app=app) for n, rate, app in ((1, 10, 1), (2, 30, 3), (3, 20, 2))
    ]
    [row] = ratios.rows(runs)
    assert row.name == "A/B POST /purchase (64 conn)"
    assert row.per_second == 20
    assert row.count == 300
    assert "2.00 ms server" in row.note


def test_cpu_of_a_process_tree_is_read_from_proc() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert {os.getpid(), child.pid} <= set(cpu.process_tree(os.getpid()))
        before = cpu.Reading(app={os.getpid(): cpu.cpu_seconds(os.getpid())}, db={})
        deadline = time.process_time() + 0.2
        while time.process_time() < deadline:
            pass
        after = cpu.Reading(
            app={os.getpid(): cpu.cpu_seconds(os.getpid())},
            db={4242: 0.5, 4343: 0.25},
            folding=frozenset({4343}),
        )
        used = cpu.spent(before, after)
        assert 0.1 <= used.app <= 2
        assert used.db == 0.75  # a backend born during the run counts from zero
        assert used.backends == 2
        assert used.folding == 0.25  # the projectors' backend, apart
    finally:
        child.kill()
        child.wait()
    assert cpu.cpu_seconds(child.pid) == 0.0  # gone
