"""Fixtures of the scenario tests: a real service process on a fresh database."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from api.http.server import UVICORN_ARGS
from harness.server import ROOT, SCENARIO_APP, free_port, service_env


@pytest.fixture
def live_server(db_dsn: str) -> Iterator[str]:
    """`uvicorn harness.app` on a loopback port over the test's database; its base URL."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our module
        [sys.executable, "-m", "uvicorn", SCENARIO_APP, "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log", *UVICORN_ARGS],
        cwd=ROOT, env=service_env(db_dsn),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError("the server did not become ready")


def scenario_env() -> dict[str, str]:
    """The environment for `python -m harness scenario` subprocesses."""
    return {**os.environ, "LOG_LEVEL": "WARNING"}
