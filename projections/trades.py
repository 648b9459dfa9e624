"""Trades: terms, status and outcome of every trade, folded from the `trade:` streams.

One row per trade, by the fold every escrow shares (projections/escrow.py).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from domain import accounts
from domain.events import TradeOffered
from domain.trades import USE
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections import escrow
from projections.model import Projection


@dataclass
class TradeRow:
    """One trade as the batch leaves it (terms only if offered in the batch)."""

    trade_id: str
    status: str
    version: int
    terms: dict[str, Any] = field(default_factory=dict)
    closed_at: datetime | None = None


_TERMS = ("offerer_id", "recipient_id", "offerer", "recipient", "give", "want", "expires_at")


def _opened(row: TradeRow, stored: StoredEvent) -> None:
    event = stored.event
    assert isinstance(event, TradeOffered)
    row.terms = {name: getattr(event, name) for name in _TERMS}
    row.terms["offered_at"] = event.occurred_at


_UPSERT = """
INSERT INTO {rm_trades} AS t (trade_id, offerer_id, recipient_id, offerer, recipient, give, want,
                              expires_at, offered_at, status, version, closed_at)
SELECT u.trade_id, u.offerer_id, u.recipient_id, u.offerer, u.recipient, u.give::jsonb,
       u.want::jsonb, u.expires_at, u.offered_at, u.status, u.version, u.closed_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
              $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::bigint[],
              $12::timestamptz[])
       AS u(trade_id, offerer_id, recipient_id, offerer, recipient, give, want, expires_at,
            offered_at, status, version, closed_at)
ON CONFLICT (trade_id) DO UPDATE SET
    offerer_id   = coalesce(t.offerer_id, EXCLUDED.offerer_id),
    recipient_id = coalesce(t.recipient_id, EXCLUDED.recipient_id),
    offerer      = coalesce(t.offerer, EXCLUDED.offerer),
    recipient    = coalesce(t.recipient, EXCLUDED.recipient),
    give         = coalesce(t.give, EXCLUDED.give),
    want         = coalesce(t.want, EXCLUDED.want),
    expires_at   = coalesce(t.expires_at, EXCLUDED.expires_at),
    offered_at   = coalesce(t.offered_at, EXCLUDED.offered_at),
    status    = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.status ELSE t.status END,
    closed_at = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.closed_at
                     ELSE t.closed_at END,
    version   = greatest(t.version, EXCLUDED.version)
"""


def _json(value: Any) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


def _columns(ordered: list[TradeRow]) -> list[list[Any]]:
    terms = [[r.terms.get(name) for r in ordered] for name in (*_TERMS, "offered_at")]
    terms[4], terms[5] = [_json(v) for v in terms[4]], [_json(v) for v in terms[5]]
    rest: list[list[Any]] = [[r.status for r in ordered], [r.version for r in ordered]]
    return [[r.trade_id for r in ordered], *terms, *rest, [r.closed_at for r in ordered]]


FOLD = escrow.EscrowFold(
    use=USE,
    is_stream=accounts.is_trade,
    id_of=accounts.trade_id_of,
    new_row=lambda trade_id: TradeRow(trade_id=trade_id, status="open", version=0),
    terms=TradeOffered,
    opened=_opened,
    upsert=_UPSERT,
    columns=_columns,
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
