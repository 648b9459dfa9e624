"""`gameledger bench --quick` runs from end to end (CI checks that it works, not its figures)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.db import with_database

EXPECTED = (
    "durable commit (1 conn)",
    "hot row (16 conn)",
    "baseline insert (16 conn)",
    "POST /purchase (16 conn)",
    "GET /balance (16 conn)",
    "batch transfers (1000/request, 1 conn)",
    "rebuild players (events/s)",
)


def test_bench_quick_measures_every_row(server_dsn: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": with_database(server_dsn, "postgres"),
        "LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "api.cli", "bench", "--quick", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [report] = tmp_path.glob("bench-quick-*.json")
    rows = {row["name"]: row for row in json.loads(report.read_text())["rows"]}
    for name in EXPECTED:
        assert rows[name]["per_second"] > 0, name
        assert rows[name]["errors"] == 0, name
