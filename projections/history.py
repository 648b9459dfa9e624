"""A player's ledger entries, newest first: one row per transfer in the player's stream."""

from collections.abc import Sequence

import msgspec

from domain import accounts
from domain.assets import CURRENCY
from domain.details import EnergyDetails, flat
from domain.events import Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Projection, Table, Tables
from projections.views import EnergyEntry, HistoryEntry, Leg, ModifierEntry

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
        energy=_energy(event.details),
    )


def _energy(details: object) -> EnergyEntry | None:
    """An energy transfer's details as the history shows them (None for any other)."""
    if not isinstance(details, EnergyDetails):
        return None
    shown = msgspec.structs.asdict(details)
    modifier = details.modifier
    if modifier is not None:
        shown["modifier"] = ModifierEntry(**msgspec.structs.asdict(modifier))
    shown.pop("reason")  # the history's own `reason` column shows it
    return EnergyEntry(**shown)


TABLE = Table(
    "rm_history",
    "player_id text, version bigint, transfer_id text, code text, legs jsonb,"
    " balance_after bigint, state_after jsonb, item text, quantity bigint, reverses text,"
    " reason text, occurred_at timestamptz, counterparty text, memo text, hold_id text,"
    " metadata jsonb, trade_id text, energy jsonb",
    None,  # exactly once: COPY (projections/model.py `Table`)
)


async def apply_batch(conn: Conn, entries: list[HistoryRow], tables: Tables) -> None:
    """The whole batch in one COPY."""
    await TABLE.write(conn, entries, tables)


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch."""
    await apply_batch(conn, fold(events), tables)


PROJECTION = Projection(name="history", tables=("rm_history",), apply=project)
