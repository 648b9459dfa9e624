"""A what-if over the log (domain/whatif.py folds it): the players' transfers read in log order
through a server-side cursor in one read-only snapshot, never the write side's pipeline or its
pool's writers, telling `progress` how far it got. It writes nothing."""

from collections.abc import Callable, Mapping
from datetime import datetime

from domain.accounts import PLAYER_PREFIX
from domain.assets import Catalog
from domain.events import Transferred
from domain.whatif import WhatIf, WhatIfReport
from infra import codec
from infra.db import Conn

_HEAD = "SELECT coalesce(max(global_position), 0) FROM events"
_TRANSFERS = """
SELECT stream_id, global_position, event_type, schema_version, payload
  FROM events
 WHERE event_type = 'transferred' AND left(stream_id, length($1)) = $1
   AND global_position <= $2
 ORDER BY global_position
"""

Advance = Callable[[int], None]


async def log_head(conn: Conn) -> int:
    """The last position of the log: what a what-if reads up to (the progress bar's total)."""
    return int(await conn.fetchval(_HEAD))


async def what_if(
    conn: Conn,
    candidate: Catalog,
    catalogs: Mapping[int, Catalog],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    progress: Advance | None = None,
    upto: int | None = None,
) -> WhatIfReport:
    """Replay the transfers that occurred in [start, end) under `candidate`; `progress` hears
    of each position read (in log positions, up to `upto`, the head when not given)."""
    fold = WhatIf(candidate, catalogs)
    last = await log_head(conn) if upto is None else upto
    seen = 0
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for row in conn.cursor(_TRANSFERS, PLAYER_PREFIX, last, prefetch=2000):
            event = codec.decode(row["event_type"], row["schema_version"], row["payload"])
            if isinstance(event, Transferred) and _within(event.occurred_at, start, end):
                fold.add(row["stream_id"][len(PLAYER_PREFIX) :], event)
            if progress is not None:
                progress(row["global_position"] - seen)
            seen = row["global_position"]
    if progress is not None and last > seen:
        progress(last - seen)
    return fold.report()


def _within(at: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or at >= start) and (end is None or at < end)
