"""The child processes of a scenario: each in a process group of its own, all stopped at the end.

A wrapper such as Debian's `faketime` forks the real command and waits for it, so a signal to
the wrapper alone would leave the service running: signals go to the whole group. `run_one`
stops whatever a scenario left running, whether it passed, failed or raised.
"""

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

Process = asyncio.subprocess.Process
_live: set[Process] = set()
GRACE = 20.0  # seconds a SIGTERMed group has to exit before SIGKILL


async def spawn(*argv: str, **options: Any) -> Process:
    """`asyncio.create_subprocess_exec` in a new session, remembered until it is stopped."""
    process = await asyncio.create_subprocess_exec(*argv, start_new_session=True, **options)
    _live.add(process)
    return process


def signal_group(process: Process, sig: signal.Signals) -> None:
    """Send `sig` to the process and everything it started (nothing if they are gone)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if process in _live:  # its group outlives it while a wrapper's child runs
            os.killpg(process.pid, sig)
        else:  # not started by `spawn`: it has no group of its own
            process.send_signal(sig)


async def kill(process: Process) -> None:
    """SIGKILL the group: no shutdown hooks, no goodbye to PostgreSQL."""
    signal_group(process, signal.SIGKILL)
    await process.wait()
    _live.discard(process)


async def stop(process: Process, grace: float = GRACE) -> int | None:
    """SIGTERM the group and wait for it, SIGKILL after `grace`; the leader's exit status."""
    signal_group(process, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_group_exit(process), grace)
    status = process.returncode
    await kill(process)  # whatever outlived its leader or the grace period
    return status


async def _group_exit(process: Process) -> None:
    await process.wait()
    # A wrapper's child may still be shutting down; it is not ours to wait for, so poll.
    while process in _live:
        if not _group_alive(process.pid):
            return
        await asyncio.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    """True while a process of the group runs (zombies do not: their parent may never reap them)."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    return any(_running_in(entry, pgid) for entry in proc.iterdir() if entry.name.isdigit())


def _running_in(entry: Path, pgid: int) -> bool:
    try:
        fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[2] == str(pgid) and fields[0] != "Z"


async def stop_all() -> None:
    """Kill every process a scenario started and did not stop itself."""
    for process in list(_live):
        await kill(process)


@contextlib.asynccontextmanager
async def owning() -> AsyncIterator[None]:
    """Whatever is started inside is dead at the end, however the block ends."""
    try:
        yield
    finally:
        await stop_all()
