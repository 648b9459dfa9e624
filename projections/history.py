"""A player's ledger entries, newest first: one row per transfer in the player's stream."""

from collections.abc import Sequence

import msgspec

from domain import accounts
from domain.assets import CURRENCY
from domain.details import flat
from domain.events import Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Projection, Tables, sql
from projections.views import HistoryEntry, Leg

# The columns that show a transfer's details (domain/details.py), by their version-1 names.
DETAIL_COLUMNS = (
    "item",
    "quantity",
    "reverses",
    "reason",
    "counterparty",
    "memo",
    "hold_id",
    "trade_id",
)


class HistoryRow(HistoryEntry, frozen=True, kw_only=True):
    """One history row: the player's entry and whose it is (the table's key with `version`)."""

    player_id: str


def fold(events: Sequence[StoredEvent]) -> list[HistoryRow]:
    """The history rows of the batch's player transfers."""
    return [
        _row(accounts.player_id_of(stored.stream_id), stored.version, stored.event)
        for stored in events
        if accounts.is_player(stored.stream_id) and isinstance(stored.event, Transferred)
    ]


def _row(player_id: str, version: int, event: Transferred) -> HistoryRow:
    shown = flat(event)
    return HistoryRow(
        player_id=player_id,
        version=version,
        transfer_id=event.transfer_id,
        code=event.code,
        legs=[Leg(leg.account, leg.asset, leg.amount) for leg in event.legs],
        balance_after=event.state_after.get(CURRENCY, 0),
        state_after=dict(event.state_after),
        occurred_at=event.occurred_at,
        metadata=dict(event.metadata),
        **{name: shown[name] for name in DETAIL_COLUMNS},
    )


_INSERT = """
INSERT INTO {rm_history} (player_id, version, transfer_id, code, legs, balance_after, state_after,
                          item, quantity, reverses, reason, occurred_at, counterparty, memo,
                          hold_id, metadata, trade_id)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[],
                     $7::jsonb[], $8::text[], $9::bigint[], $10::text[], $11::text[],
                     $12::timestamptz[], $13::text[], $14::text[], $15::text[], $16::jsonb[],
                     $17::text[])
ON CONFLICT (player_id, version) DO NOTHING
"""

_encode = msgspec.json.Encoder().encode


async def apply_batch(conn: Conn, entries: list[HistoryRow], tables: Tables) -> None:
    """One multi-row insert for the whole batch."""
    if not entries:
        return
    await conn.execute(
        sql(_INSERT, tables),
        [e.player_id for e in entries],
        [e.version for e in entries],
        [e.transfer_id for e in entries],
        [e.code for e in entries],
        [_encode(e.legs).decode() for e in entries],
        [e.balance_after for e in entries],
        [_encode(e.state_after).decode() for e in entries],
        [e.item for e in entries],
        [e.quantity for e in entries],
        [e.reverses for e in entries],
        [e.reason for e in entries],
        [e.occurred_at for e in entries],
        [e.counterparty for e in entries],
        [e.memo for e in entries],
        [e.hold_id for e in entries],
        [_encode(e.metadata).decode() for e in entries],
        [e.trade_id for e in entries],
    )


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch."""
    await apply_batch(conn, fold(events), tables)


PROJECTION = Projection(name="history", tables=("rm_history",), apply=project)
