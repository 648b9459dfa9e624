"""Every reliability scenario in --quick mode, each as `python -m harness scenario NAME --quick`.

A subprocess per scenario: it owns its servers, proxies and signals, and a hung scenario is
killed by the timeout here rather than holding the suite. The full runs and their figures are
in docs/reliability.md.
"""

import subprocess
import sys

import pytest

from harness import SCENARIOS
from harness.clock import FAKETIME_ENV
from harness.server import ROOT
from tests.scenarios.conftest import scenario_env

TIMEOUT = 420  # seconds: each quick scenario takes well under a minute on two idle cores
# The model check's quick run is test_model_check.py, in process: pytest then shows hypothesis'
# shrunk counterexample as the failure itself.
IN_PROCESS = {"model"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [s.name for s in SCENARIOS if s.name not in IN_PROCESS])
def test_scenario_holds_in_quick_mode(name: str, server_dsn: str) -> None:
    _passes(name, {**scenario_env(), "DATABASE_URL": server_dsn})


@pytest.mark.slow
def test_clock_holds_without_libfaketime(server_dsn: str) -> None:
    # A machine without `faketime` shifts the clocks inside the service process instead.
    _passes("clock", {**scenario_env(), "DATABASE_URL": server_dsn, FAKETIME_ENV: "0"})


@pytest.mark.slow
def test_time_travel_holds_without_libfaketime(server_dsn: str) -> None:
    # The scenario app then reads the clock file as an offset of its own clock.
    _passes("time-travel", {**scenario_env(), "DATABASE_URL": server_dsn, FAKETIME_ENV: "0"})


def _passes(name: str, env: dict[str, str]) -> None:
    with subprocess.Popen(  # noqa: S603 - our interpreter, our command line
        [sys.executable, "-m", "harness", "scenario", name, "--quick"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            # SIGTERM, not SIGKILL: the scenario unwinds and stops the servers it started.
            process.terminate()
            stdout, stderr = process.communicate(timeout=60)
            pytest.fail(f"{name} took over {TIMEOUT} s\n{stdout}\n{stderr}")
    assert process.returncode == 0, f"{stdout}\n{stderr}"
    assert f"{name}: PASS" in stdout, stdout
