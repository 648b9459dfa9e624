"""Who stops the embedded PostgreSQL: its live owner, or whoever adopts it after the owner died.

An owner killed with SIGKILL stays a zombie until its parent reaps it (in a container that
parent may never do so), and its pid may later name an unrelated process: neither is an owner.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import embedded

CLAIM_AND_WAIT = "from infra import embedded; embedded._claim('pg'); print(flush=True); input()"
# A command (`gameledger audit` with no server running) claims for its own run, waits, and then
# says whether it would stop the server at its end.
PASSING_CLAIM = (
    "from infra import embedded; embedded._claim('pg', passing=True); print(flush=True); input();"
    " print(embedded._owned_by_me('pg'), flush=True)"
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    return tmp_path


@pytest.fixture
def other_owner(home: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process of ours that has claimed the server and is still running."""
    yield from _claimed_by(home, CLAIM_AND_WAIT)


@pytest.fixture
def passing_command(home: Path) -> Iterator[subprocess.Popen[str]]:
    """A command that started the server for its own run and is still running."""
    yield from _claimed_by(home, PASSING_CLAIM)


def _claimed_by(home: Path, code: str) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "GAMELEDGER_HOME": str(home)}
    with subprocess.Popen(  # noqa: S603 - our interpreter
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        process.stdout.readline()  # claimed
        yield process
        process.kill()


def test_a_live_owner_keeps_the_server(other_owner: subprocess.Popen[str]) -> None:
    assert not embedded._claim("pg")


def test_an_owner_killed_but_not_yet_reaped_is_dead(other_owner: subprocess.Popen[str]) -> None:
    other_owner.kill()
    while Path(f"/proc/{other_owner.pid}/stat").read_text().split(") ")[1][0] != "Z":
        time.sleep(0.01)  # not reaped: a zombie, as under a parent that never waits
    assert embedded._claim("pg")


def test_a_reused_pid_is_not_the_owner(home: Path) -> None:
    # The owner file names a live process (our parent) that never claimed the server.
    (home / "pg.owner").write_text(f"{os.getppid()} 1")
    assert embedded._claim("pg")


def test_serve_takes_the_server_over_from_a_command_that_started_it(
    passing_command: subprocess.Popen[str],
) -> None:
    # `gameledger audit` started the database; `make run` starts while it runs.
    assert embedded._claim("pg")  # serve's lasting claim
    assert passing_command.stdout is not None
    passing_command.stdin.write("\n")  # type: ignore[union-attr]
    passing_command.stdin.flush()  # type: ignore[union-attr]
    # The command no longer owns it, so it leaves the server running for serve at its end.
    assert passing_command.stdout.readline().strip() == "False"
    assert embedded._owned_by_me("pg")


def test_a_command_never_takes_the_server_from_serve(other_owner: subprocess.Popen[str]) -> None:
    assert not embedded._claim("pg", passing=True)


def test_a_command_never_takes_the_server_from_another_command(
    passing_command: subprocess.Popen[str],
) -> None:
    assert not embedded._claim("pg", passing=True)
