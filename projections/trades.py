"""Trades: terms, status and outcome of every trade, folded from the `trade:` streams.

One row per trade, by the fold every escrow shares (projections/escrow.py).
"""

from datetime import datetime
from typing import Any

import msgspec

from domain.escrow_events import TradeOffered
from domain.trades import USE
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections import escrow
from projections.model import Projection


def _offered(stored: StoredEvent) -> escrow.Row:
    event = stored.event
    assert isinstance(event, TradeOffered)
    return {name: getattr(event, name) for name in _OFFERED} | {"offered_at": event.occurred_at}


_OFFERED = ("offerer_id", "recipient_id", "offerer", "recipient", "give", "want", "expires_at")

FOLD = escrow.EscrowFold(
    USE,
    terms="offerer_id text, recipient_id text, offerer text, recipient text, give jsonb,"
    " want jsonb, expires_at timestamptz, offered_at timestamptz",
    opened=_offered,
)
fold = FOLD.fold


# What a player's open offers set aside: (asset, amount) rows, one per asset of an offer.
OPEN_GIVES = """
SELECT g.key AS asset, g.value::bigint AS amount
  FROM rm_trades, jsonb_each_text(give) AS g
 WHERE offerer_id = $1 AND status = 'open'"""


async def escrowed(conn: Conn, player_id: str) -> dict[str, int]:
    """What the player's open offers set aside, per asset."""
    return await escrow.set_aside(conn, OPEN_GIVES, player_id)


_LIST = """
SELECT * FROM rm_trades
 WHERE (offerer_id = $1 OR recipient_id = $1) AND ($2::text IS NULL OR status = $2)
 ORDER BY offered_at DESC, trade_id LIMIT $3
"""


class TradeView(msgspec.Struct, frozen=True, kw_only=True):
    """A trade as the read model has it."""

    trade_id: str
    status: str
    offerer: str
    recipient: str
    give: dict[str, int]
    want: dict[str, int]
    expires_at: datetime


async def listed(conn: Conn, player_id: str, status: str | None, limit: int) -> list[TradeView]:
    """The player's trades in both directions, newest first."""
    rows = await conn.fetch(_LIST, player_id, status, limit)
    return [_view(r) for r in rows if r["give"] is not None]


async def open_trades(conn: Conn, limit: int) -> list[TradeView]:
    """Every open trade, oldest expiry first (the operator's view)."""
    sql_open = "SELECT * FROM rm_trades WHERE status = 'open' ORDER BY expires_at LIMIT $1"
    return [_view(r) for r in await conn.fetch(sql_open, limit) if r["give"] is not None]


_DUE = """
SELECT trade_id FROM rm_trades WHERE status = 'open' AND expires_at <= $1
 ORDER BY expires_at LIMIT $2
"""


async def due(conn: Conn, now: datetime, limit: int) -> list[str]:
    """Open trades whose expiry has passed, oldest first (what the expirer closes)."""
    return await escrow.due(conn, _DUE, now, limit)


def _view(row: Any) -> TradeView:
    return TradeView(
        trade_id=row["trade_id"],
        status=row["status"],
        offerer=row["offerer"],
        recipient=row["recipient"],
        give=msgspec.json.decode(row["give"]),
        want=msgspec.json.decode(row["want"]),
        expires_at=row["expires_at"],
    )


PROJECTION = Projection(name="trades", tables=("rm_trades",), apply=FOLD.project)
