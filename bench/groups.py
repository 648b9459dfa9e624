"""The measurement groups `python -m bench --only` can pick, in the order a full run takes them.

Each group starts what it needs (a uvicorn server, a pool, a projector process) and stops it,
so any subset runs on its own; all but limits and baseline use the bench players of `Context`.
The groups are measured in bench/db_groups.py (no HTTP server) and bench/http_groups.py; what
each is given, in bench/context.py.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from bench.context import Context
from bench.db_groups import measure_in_process, measure_lag, measure_limits, measure_rebuild
from bench.http_groups import (
    measure_baseline,
    measure_batch,
    measure_replica,
    measure_service,
    measure_side,
    measure_soak,
)
from bench.stats import Measure


def _sync(measure: Callable[[Context], Any]) -> Callable[[Context], list[Measure]]:
    def run(ctx: Context) -> list[Measure]:
        rows: list[Measure] = asyncio.run(measure(ctx))
        return rows

    return run


GROUPS: dict[str, Callable[[Context], list[Measure]]] = {
    "limits": _sync(measure_limits),
    "baseline": measure_baseline,
    "inprocess": _sync(measure_in_process),
    "service": measure_service,
    "side": measure_side,
    "batch": measure_batch,
    "lag": measure_lag,
    "soak": measure_soak,
    "rebuild": measure_rebuild,
    "replica": measure_replica,
}
# The replica group makes its own players, on its own primary and standby.
NEEDS_PLAYERS = frozenset(GROUPS) - {"limits", "baseline", "replica"}
