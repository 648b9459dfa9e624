"""Holds: terms, status and outcome of every hold, folded from the `hold:` streams.

One row per hold, by the fold every escrow shares (projections/escrow.py).
"""

from dataclasses import dataclass
from datetime import datetime

from domain.escrow_events import HoldPlaced
from domain.holds import USE, captured_by
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections import escrow
from projections.model import Projection


def _placed(stored: StoredEvent) -> escrow.Row:
    event = stored.event
    assert isinstance(event, HoldPlaced)
    terms = {name: getattr(event, name) for name in _PLACED}
    return terms | {"placed_at": event.occurred_at, "placed_position": stored.global_position}


_PLACED = ("player_id", "asset", "amount", "expires_at", "memo", "placed_by")

FOLD = escrow.EscrowFold(
    USE,
    terms="player_id text, asset text, amount bigint, expires_at timestamptz, memo text,"
    " placed_by text, placed_at timestamptz, placed_position bigint",
    opened=_placed,
    closing="captured bigint",
    closed=lambda hold_id, closing: {"captured": captured_by(hold_id, closing)},
)
fold = FOLD.fold


# What a player's pending holds set aside: (asset, amount) rows, one per hold.
PENDING = "SELECT asset, amount FROM rm_holds WHERE player_id = $1 AND status = 'pending'"


async def held(conn: Conn, player_id: str) -> dict[str, int]:
    """What the player's pending holds set aside, per asset."""
    return await escrow.set_aside(conn, PENDING, player_id)


PROJECTION = Projection(name="holds", tables=("rm_holds",), apply=FOLD.project)

_DUE = """
SELECT hold_id FROM rm_holds WHERE status = 'pending' AND expires_at <= $1
 ORDER BY expires_at LIMIT $2
"""


async def due(conn: Conn, now: datetime, limit: int) -> list[str]:
    """Pending holds whose expiry has passed, oldest first (what the expirer closes)."""
    return await escrow.due(conn, _DUE, now, limit)


_PENDING = """
SELECT h.hold_id, p.username, h.asset, h.amount, h.expires_at, h.memo
  FROM rm_holds AS h LEFT JOIN rm_players AS p USING (player_id)
 WHERE h.status = 'pending' AND h.amount IS NOT NULL
 ORDER BY h.expires_at, h.hold_id LIMIT $1
"""


@dataclass(frozen=True)
class PendingHold:
    """A pending hold as the operator sees it."""

    hold_id: str
    username: str | None
    asset: str
    amount: int
    expires_at: datetime
    memo: str | None


async def pending(conn: Conn, limit: int) -> list[PendingHold]:
    """Every pending hold, soonest expiry first (the operator's view)."""
    return [PendingHold(*r) for r in await conn.fetch(_PENDING, limit)]


# GET /holds: a game server's own holds (or every hold, for an admin), newest first, one page
# before the cursor: the position of the hold's first event in the log. One statement per case
# rather than a `$n IS NULL OR` arm, so a generic plan still walks the placer's index range.
_LISTED = """
SELECT h.hold_id, h.status, p.username, h.asset, h.amount, h.expires_at, h.captured, h.memo,
       h.placed_position
  FROM rm_holds AS h LEFT JOIN rm_players AS p USING (player_id)
 WHERE h.amount IS NOT NULL AND h.placed_position < $1 AND ($2::text IS NULL OR h.status = $2)
       {placer}
 ORDER BY h.placed_position DESC LIMIT $3
"""
_LISTED_BY = _LISTED.format(placer="AND h.placed_by = $4")
_LISTED_ALL = _LISTED.format(placer="")
_NEWEST = 2**63 - 1  # before every position: the first page


@dataclass(frozen=True)
class ListedHold:
    """A hold as GET /holds lists it; `position` orders the list and pages it."""

    hold_id: str
    status: str
    player: str | None  # the username (None while the players model has not caught up)
    asset: str
    amount: int
    expires_at: datetime
    captured: int | None
    memo: str | None
    position: int


async def listed(
    conn: Conn, placed_by: str | None, status: str | None, before: int | None, limit: int
) -> list[ListedHold]:
    """Holds placed by `placed_by` (every hold when None), newest first, before `before`."""
    args = (before or _NEWEST, status, limit)
    if placed_by is None:
        rows = await conn.fetch(_LISTED_ALL, *args)
    else:
        rows = await conn.fetch(_LISTED_BY, *args, placed_by)
    return [ListedHold(*r) for r in rows]
