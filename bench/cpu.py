"""CPU time spent serving a run: a server's processes and the PostgreSQL backends serving them.

Throughput on a shared machine moves with whatever else runs; the CPU time a request costs
moves much less, so the side-by-side group reports it as its second, steadier figure. Both
sides are read from /proc (user + system time, in clock ticks) before and after each run.
"""

import os
from collections.abc import Iterable
from pathlib import Path

import asyncpg
import msgspec

from projections.runner import PROJECTORS_APPLICATION

_TICKS = os.sysconf("SC_CLK_TCK")
# The client backends of one database, but not the one asking.
_BACKENDS = """
SELECT pid, application_name FROM pg_stat_activity
 WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name; None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces or parentheses.
    return text.rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (0 once it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS if fields else 0.0


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (a uvicorn supervisor and its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(int(entry.name))
        if fields:
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


class Reading(msgspec.Struct, frozen=True):
    """CPU seconds so far per process: the server's and the PostgreSQL backends'."""

    app: dict[int, float]
    db: dict[int, float]
    folding: frozenset[int] = frozenset()  # the backends of `db` that serve the projectors


class Spent(msgspec.Struct, frozen=True, kw_only=True):
    """CPU seconds spent between two readings."""

    app: float
    db: float
    backends: int  # how many backends served the run (0: /proc could not see them)
    folding: float = 0.0  # the part of `db` the projectors' own backends spent


async def read(conn: asyncpg.Connection, roots: Iterable[int], database: str) -> Reading:
    """The CPU so far of the process trees of `roots` and of `database`'s client backends."""
    backends = await conn.fetch(_BACKENDS, database)
    return Reading(
        app={pid: cpu_seconds(pid) for root in roots for pid in process_tree(root)},
        db={r["pid"]: cpu_seconds(r["pid"]) for r in backends},
        folding=frozenset(
            r["pid"] for r in backends if r["application_name"] == PROJECTORS_APPLICATION
        ),
    )


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    # A process born during the run counts from zero. One that ended during it is lost: pooled
    # backends live for a minute idle, far longer than a run, so that is rare.
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def spent(before: Reading, after: Reading) -> Spent:
    """What the run between the two readings cost."""
    return Spent(
        app=_delta(before.app, after.app),
        db=_delta(before.db, after.db),
        backends=sum(seconds > 0 for seconds in after.db.values()),
        folding=_delta(before.db, {p: s for p, s in after.db.items() if p in after.folding}),
    )
