"""`python -m bench --quick` runs from end to end (CI checks that it works, not its figures)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from infra.db import with_database

# One row per kind of measurement; every one must have measured something without errors.
EXPECTED = (
    "durable commit (1 conn)",
    "hot row (16 conn)",
    "baseline insert (16 conn)",
    "baseline SELECT 1 (16 conn)",
    "command layer purchases (64 tasks)",
    "command layer purchases, no treasury leg (64 tasks)",
    "POST /purchase (16 conn)",
    "POST /purchase, idempotency key (16 conn)",
    "GET /balance (16 conn)",
    "batch transfers (100/request, 1 conn)",
    "batch transfers (100/request, 2 conn, disjoint players)",
    "projection lag, players (ms)",
    "projection lag, history (ms)",
    "RSS per worker, soak end (MB)",
    "rebuild players (events/s)",
    # The side-by-side group: both baselines and the service, alternating rounds.
    "A/B baseline insert (16 conn)",
    "A/B POST /purchase (16 conn)",
    "A/B state-based purchase (16 conn)",
    "A/B GET /balance (16 conn)",
    "A/B state-based /balance (16 conn)",
    # The replica group: its own primary and streaming standby.
    "GET /balance, reads on the primary (16 conn)",
    "GET /balance, reads on the standby (16 conn)",
    "top-up then GET /balance, reads on the standby (16 conn)",
)


def _bench(server_dsn: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": with_database(server_dsn, "postgres"),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bench", "--quick", "--out", str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )


def _sane(row: dict[str, Any]) -> None:
    name = row["name"]
    assert math.isfinite(row["per_second"]), name
    assert row["count"] >= 0, name
    assert 0 <= row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"], name
    assert row["errors"] >= 0, name


def test_bench_quick_measures_every_row(server_dsn: str, tmp_path: Path) -> None:
    done = _bench(server_dsn, tmp_path, "--soak", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    [report] = tmp_path.glob("bench-quick-*.json")
    data = json.loads(report.read_text())
    rows = {row["name"]: row for row in data["rows"]}
    for row in rows.values():
        _sane(row)
    for name in EXPECTED:
        assert rows[name]["per_second"] > 0, name
        assert rows[name]["errors"] == 0, name
    lag = rows["projection lag, players (ms)"]
    assert lag["count"] > 0
    assert "offered 200/s" in lag["note"]
    # Top-ups may rarely give up on a contended shard (409): the soak only has to have run.
    assert rows["soak: purchase/top-up/balance (16 conn)"]["per_second"] > 0
    assert rows["RSS growth over soak (MB)"]["count"] >= 2  # a start and an end sample
    assert data["series"]["soak_rss_mb"]
    assert data["targets"]
    assert all(t["measure"] and t["figure"] for t in data["targets"])
    _side_by_side(data["side_by_side"])
    chart = ElementTree.parse(report.with_suffix(".svg")).getroot()  # noqa: S314 - our own file
    assert len(chart.findall(".//{http://www.w3.org/2000/svg}polyline")) >= 8  # 4+ series x 2


def _side_by_side(side: dict[str, Any]) -> None:
    runs = side["runs"]
    assert {r["round"] for r in runs} == {1, 2}  # two rounds, one forward and one back
    first = [r["kind"] for r in runs if r["round"] == 1]
    assert first == [r["kind"] for r in runs if r["round"] == 2][::-1]
    assert all(r["cpu_app_ms"] > 0 for r in runs)  # the servers' CPU, read from /proc
    assert any(r["backends"] > 0 and r["cpu_db_ms"] > 0 for r in runs)  # and PostgreSQL's
    labels = {o["label"] for o in side["ratios"]}
    assert "GET /balance/s ÷ state-based /balance/s" in labels
    assert "CPU per purchase ÷ per insert" in labels


def test_bench_only_runs_the_named_groups(server_dsn: str, tmp_path: Path) -> None:
    done = _bench(server_dsn, tmp_path, "--only", "limits")
    assert done.returncode == 0, done.stderr[-3000:]
    [report] = tmp_path.glob("bench-quick-*.json")
    names = [row["name"] for row in json.loads(report.read_text())["rows"]]
    assert names
    assert all(n.startswith(("durable commit", "hot row")) for n in names)
    assert not list(tmp_path.glob("*.svg"))  # no HTTP rows, nothing to draw

    refused = _bench(server_dsn, tmp_path, "--only", "limits,nonsense")
    assert refused.returncode == 2
    assert "nonsense" in refused.stderr


def test_bench_side_with_projectors_apart(server_dsn: str, tmp_path: Path) -> None:
    # The service without projectors, and a `gameledger project` process beside it that folds
    # what each run writes (the bench says so when it does not catch up) with its CPU counted.
    done = _bench(server_dsn, tmp_path, "--only", "side", "--projectors", "apart")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "had not caught up" not in done.stderr
    assert "projectors apart" in done.stdout
    [report] = tmp_path.glob("bench-quick-*.json")
    data = json.loads(report.read_text())
    assert data["plan"]["projectors"] == "apart"
    _side_by_side(data["side_by_side"])
    served = [r for r in data["side_by_side"]["runs"] if r["kind"] == "POST /purchase"]
    assert served
    assert all(r["row"]["errors"] == 0 and r["row"]["count"] > 0 for r in served)

    refused = _bench(server_dsn, tmp_path, "--only", "side", "--projectors", "elsewhere")
    assert refused.returncode == 2
    assert "elsewhere" in refused.stderr
