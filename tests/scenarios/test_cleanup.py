"""A scenario that fails or raises still stops every process it started.

Debian's `faketime` forks the command and waits for it, so signalling only the wrapper leaves
the service running: the fake `faketime` here does the same, and records its child's pid.
"""

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from harness import Scenario, clock, processes
from harness import cli as harness_cli
from harness.cli import run_one
from harness.outcome import Outcome
from harness.server import ROOT

FAKE_FAKETIME = """\
    #!/bin/sh
    # Like faketime: run the command as a child (no exec) and wait for it.
    shift 4
    "$@" &
    echo $! >> "{pids}"
    wait
"""


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (an exited orphan not yet reaped)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def _pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()]


@pytest.fixture
def forking_wrapper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `faketime` on PATH that forks like the real one; the file listing its children."""
    pids = tmp_path / "children"
    script = tmp_path / "bin" / "faketime"
    script.parent.mkdir()
    script.write_text(textwrap.dedent(FAKE_FAKETIME).format(pids=pids))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv(clock.FAKETIME_ENV, raising=False)
    return pids


@pytest.mark.slow
async def test_a_raising_scenario_leaves_no_server_running(
    server_dsn: str, forking_wrapper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_check(*_: object) -> None:
        raise RuntimeError("a check crashed")

    monkeypatch.setattr(clock, "_tokens", broken_check)
    outcome = await run_one("clock", server_dsn, quick=True)
    assert not outcome.ok
    children = _pids(forking_wrapper)
    assert len(children) == 2
    assert not [pid for pid in children if _running(pid)]


async def test_run_one_stops_what_a_raising_scenario_left_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[int] = []

    async def leaky_run(server_dsn: str, quick: bool) -> Outcome:
        sleeper = await processes.spawn("sleep", "600")
        started.append(sleeper.pid)
        raise RuntimeError("crashed before its clean-up")

    module = types.ModuleType("leaky_scenario")
    module.run = leaky_run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "leaky_scenario", module)
    monkeypatch.setattr(harness_cli, "find", lambda _: Scenario("leaky", "leaky_scenario", ""))
    outcome = await run_one("leaky", "postgresql://unused", quick=True)
    assert outcome.failures == ["the scenario stopped: RuntimeError: crashed before its clean-up"]
    assert started
    assert not _running(started[0])


@pytest.mark.slow
def test_a_sigtermed_scenario_stops_its_servers(server_dsn: str, forking_wrapper: Path) -> None:
    env = {**os.environ, "DATABASE_URL": server_dsn, "LOG_LEVEL": "WARNING"}
    with subprocess.Popen(
        [sys.executable, "-m", "harness", "scenario", "clock", "--quick"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as process:  # fmt: skip
        deadline = time.monotonic() + 120
        while len(_pids(forking_wrapper) if forking_wrapper.exists() else []) < 2:
            assert process.poll() is None, "the scenario ended before its servers started"
            assert time.monotonic() < deadline, "the servers did not start"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 143, output
    assert not [pid for pid in _pids(forking_wrapper) if _running(pid)]
