"""Each monitor's state as the operators' view shows it (`GET /admin/monitors`): ok or firing,
its last value, when and how often it fired and the subjects firing now, read from the tables
the monitors projector keeps (projections/monitors.py)."""

from datetime import datetime

import msgspec

from infra.db import Conn


class State(msgspec.Struct, kw_only=True):
    """A monitor's state as the operators' view shows it."""

    state: str
    last_value: int | None
    fired_at: datetime | None
    fired: int
    firing: list[str]


_VIEW = """
SELECT m.monitor_id, m.state, m.last_value, m.fired_at, m.fired,
       coalesce(array_agg(f.label ORDER BY f.fired_at) FILTER (WHERE f.label IS NOT NULL), '{}')
           AS firing
  FROM rm_monitors m LEFT JOIN rm_monitor_firing f ON f.monitor_id = m.monitor_id
 GROUP BY m.monitor_id
"""


async def states(conn: Conn) -> dict[str, State]:
    """Each monitor's state, by id (the operators' view)."""
    return {
        r["monitor_id"]: State(
            state=r["state"],
            last_value=r["last_value"],
            fired_at=r["fired_at"],
            fired=r["fired"],
            firing=list(r["firing"]),
        )
        for r in await conn.fetch(_VIEW)
    }
