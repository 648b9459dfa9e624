"""A player's ledger entries, newest first: one row per transfer in the player's stream."""

from collections.abc import Sequence
from datetime import datetime

import msgspec

from domain import accounts
from domain.assets import CURRENCY
from domain.events import Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Projection, Tables, sql


class LegView(msgspec.Struct, frozen=True):
    """One leg as the history shows it (an object, unlike the compact stored array)."""

    account: str
    asset: str
    amount: int


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One history row."""

    player_id: str
    version: int
    transfer_id: str
    code: str
    legs: tuple[LegView, ...]
    balance_after: int
    state_after: dict[str, int]
    item: str | None
    quantity: int | None
    reverses: str | None
    reason: str | None
    occurred_at: datetime
    counterparty: str | None = None
    memo: str | None = None
    hold_id: str | None = None
    metadata: dict[str, str] = {}
    trade_id: str | None = None


def fold(events: Sequence[StoredEvent]) -> list[Entry]:
    """The history rows of the batch's player transfers."""
    return [
        _entry(accounts.player_id_of(stored.stream_id), stored.version, stored.event)
        for stored in events
        if accounts.is_player(stored.stream_id) and isinstance(stored.event, Transferred)
    ]


def _entry(player_id: str, version: int, event: Transferred) -> Entry:
    return Entry(
        player_id=player_id,
        version=version,
        transfer_id=event.transfer_id,
        code=event.code,
        legs=tuple(LegView(leg.account, leg.asset, leg.amount) for leg in event.legs),
        balance_after=event.state_after.get(CURRENCY, 0),
        state_after=dict(event.state_after),
        item=event.item,
        quantity=event.quantity,
        reverses=event.reverses,
        reason=event.reason,
        occurred_at=event.occurred_at,
        counterparty=event.counterparty,
        memo=event.memo,
        hold_id=event.hold_id,
        metadata=dict(event.metadata),
        trade_id=event.trade_id,
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


async def apply_batch(conn: Conn, entries: list[Entry], tables: Tables) -> None:
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
