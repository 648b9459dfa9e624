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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    return tmp_path


@pytest.fixture
def other_owner(home: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process of ours that has claimed the server and is still running."""
    env = {**os.environ, "GAMELEDGER_HOME": str(home)}
    with subprocess.Popen(  # noqa: S603 - our interpreter
        [sys.executable, "-c", CLAIM_AND_WAIT],
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
