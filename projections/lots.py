"""Lots: each player's expiring lots as their newest event leaves them (DESIGN-NOTES 15).

A player's lots ride on their events (`timed.lots`), so a batch needs only each player's newest
event: a row while they hold a lot that expires, none once they hold none. The expirer asks for
the players whose soonest lot is due (`due`); the operator's stream explorer shows the lots.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from domain import accounts, lots
from domain.events import Transferred
from infra import eventstore
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Projection, Table, Tables, sql


def fold(events: Sequence[StoredEvent]) -> dict[str, tuple[int, dict[str, lots.Lots]]]:
    """Per player touched by the batch: their newest version and the lots it leaves."""
    newest: dict[str, tuple[int, dict[str, lots.Lots]]] = {}
    for stored in events:
        if not accounts.is_player(stored.stream_id):
            continue
        player_id = accounts.player_id_of(stored.stream_id)
        if stored.version > newest.get(player_id, (0, {}))[0]:
            event = stored.event
            held = event.timed.lots if isinstance(event, Transferred) and event.timed else {}
            newest[player_id] = (stored.version, held)
    return newest


LOTS = Table(
    "rm_lots",
    "player_id text, version bigint, next_expires_at timestamptz, lots jsonb",
    "ON CONFLICT (player_id) DO UPDATE SET version = EXCLUDED.version,"
    " next_expires_at = EXCLUDED.next_expires_at, lots = EXCLUDED.lots"
    " WHERE t.version < EXCLUDED.version",
)
_GONE = """
DELETE FROM {rm_lots} AS t USING unnest($1::text[], $2::bigint[]) AS g(player_id, version)
 WHERE t.player_id = g.player_id AND t.version < g.version
"""


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch: upsert the players with lots, delete the ones without."""
    newest = fold(events)
    rows: list[tuple[Any, ...]] = []
    gone: list[tuple[str, int]] = []
    for player_id in sorted(newest):
        version, held = newest[player_id]
        soonest = lots.next_expiry(held)
        if soonest is None:
            gone.append((player_id, version))
        else:
            rows.append((player_id, version, soonest, msgspec.to_builtins(held)))
    await LOTS.write(conn, rows, tables)
    if gone:
        ids, versions = zip(*gone, strict=True)
        await conn.execute(sql(_GONE, tables), list(ids), list(versions))


PROJECTION = Projection(name="lots", tables=("rm_lots",), apply=project)

_DUE = """
SELECT player_id FROM rm_lots WHERE next_expires_at <= $1 ORDER BY next_expires_at LIMIT $2
"""


async def due(conn: Conn, now: datetime, limit: int) -> list[str]:
    """Players holding a lot whose expiry has passed, soonest first (what the expirer expires)."""
    return [row["player_id"] for row in await conn.fetch(_DUE, now, limit)]


_decode = msgspec.json.Decoder(dict[str, tuple[lots.Lot, ...]])


async def of(conn: Conn, player_id: str) -> dict[str, lots.Lots]:
    """The player's expiring lots as the read model last saw them (the operator's view)."""
    found = await conn.fetchval("SELECT lots::text FROM rm_lots WHERE player_id = $1", player_id)
    return {} if found is None else _decode.decode(found)


async def at(conn: Conn, player_id: str, version: int) -> dict[str, lots.Lots]:
    """The player's lots as their event at `version` leaves them (from the log: the wallet's
    own version, so the lots always sum to the balances shown beside them)."""
    stored = await eventstore.read_at(conn, accounts.player_account(player_id), version)
    event = stored.event if stored is not None else None
    return event.timed.lots if isinstance(event, Transferred) and event.timed else {}
