"""The clock scenario asks whether the projectors caught up while they still run.

A loaded run failed it: the servers (with their projectors) were stopped first, so a projector
held back by another database's open transaction (the horizon is cluster-wide) never got the
chance to catch up.
"""

import pytest

from harness import clock
from harness.checks import caught_up
from harness.cli import run_one


async def test_catch_up_is_checked_while_the_servers_run(
    server_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers: list[clock.ServerProcess] = []
    running_when_asked: list[bool] = []

    class Recorded(clock.ServerProcess):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            servers.append(self)

    async def asked(dsn: str, patience: float) -> float | None:
        running_when_asked.append(
            all(s.process is not None and s.process.returncode is None for s in servers)
        )
        return await caught_up(dsn, patience)

    monkeypatch.setattr(clock, "ServerProcess", Recorded)
    monkeypatch.setattr(clock, "caught_up", asked)
    outcome = await run_one("clock", server_dsn, quick=True)
    assert outcome.ok
    assert len(servers) == 2
    assert running_when_asked == [True]
