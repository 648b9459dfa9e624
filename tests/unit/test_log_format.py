"""LOG_FORMAT=json gives one JSON object per line, for structlog and standard-library loggers.

Run in a child interpreter: configuring logging here would re-route the test process's own logs.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import logging, structlog
from infra.logging import configure
configure({fmt!r}, "INFO")
structlog.get_logger("gameledger.test").info("request", route="/top-up", status=200)
structlog.get_logger("gameledger.test").debug("hidden at INFO")
logging.getLogger("asyncpg").warning("from the standard library")
"""


def log_lines(fmt: str) -> list[str]:
    done = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", SCRIPT.format(fmt=fmt)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stderr.splitlines()


def test_json_format_writes_one_object_per_line() -> None:
    lines = [json.loads(line) for line in log_lines("json")]
    assert [(line["event"], line["level"]) for line in lines] == [
        ("request", "info"),
        ("from the standard library", "warning"),
    ]
    assert (lines[0]["route"], lines[0]["status"]) == ("/top-up", 200)
    assert all("timestamp" in line for line in lines)


def test_console_format_is_for_people() -> None:
    lines = log_lines("console")
    assert len(lines) == 2
    assert "request" in lines[0]
    assert "route=/top-up" in lines[0]
    assert not lines[0].startswith("{")
