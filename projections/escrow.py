"""The fold every escrow read model shares (domain/escrow.py): a batch folds to one row per
escrow; the event that opened its stream brings the terms and a closing transfer (version 2)
the outcome. Each use keeps its own table and upsert; the upsert keeps the terms of version 1 and
the outcome of version 2 whichever batch brought them (the version guard makes any order safe).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from domain.escrow import EscrowUse, outcome
from domain.events import Event, Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Tables, sql


class EscrowRow(Protocol):
    """What the fold writes on every use's row."""

    status: str
    version: int
    closed_at: datetime | None


R = TypeVar("R", bound=EscrowRow)


def _nothing(row: Any, closing: Transferred) -> None:
    pass


@dataclass(frozen=True)
class EscrowFold(Generic[R]):
    """One use's read model: its streams, a new row, what its terms and its outcome write, and
    the upsert of a batch's rows (`upsert` names its table as {name}; `columns` gives its
    parameters, one array each)."""

    use: EscrowUse
    is_stream: Callable[[str], bool]
    id_of: Callable[[str], str]  # the escrow's id from its stream
    new_row: Callable[[str], R]
    terms: type[Event]  # the event that opens the stream (HoldPlaced, TradeOffered)
    opened: Callable[[R, StoredEvent], None]
    upsert: str
    columns: Callable[[list[R]], Sequence[list[Any]]]
    closed: Callable[[R, Transferred], None] = _nothing  # what else an outcome writes

    def fold(self, events: Sequence[StoredEvent]) -> dict[str, R]:
        """The newest row of each escrow touched by the batch."""
        rows: dict[str, R] = {}
        for stored in events:
            if not self.is_stream(stored.stream_id):
                continue
            escrow_id = self.id_of(stored.stream_id)
            row = rows.setdefault(escrow_id, self.new_row(escrow_id))
            event = stored.event
            if isinstance(event, self.terms):
                self.opened(row, stored)
            elif isinstance(event, Transferred) and (closed := outcome(self.use, event)):
                row.status, row.closed_at = closed
                self.closed(row, event)
            row.version = max(row.version, stored.version)
        return rows

    async def project(self, conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
        """Fold a batch and write it in one upsert (sorted: a stable lock order)."""
        rows = self.fold(events)
        ordered = [rows[key] for key in sorted(rows)]
        if ordered:
            await conn.execute(sql(self.upsert, tables), *self.columns(ordered))


def attributes(*names: str) -> Callable[[list[Any]], list[list[Any]]]:
    """The columns that are the rows' attributes `names`, in that order."""
    return lambda ordered: [[getattr(row, name) for row in ordered] for name in names]


async def set_aside(conn: Conn, per_escrow: str, owner: str) -> dict[str, int]:
    """What the owner's open escrows set aside, per asset: `per_escrow` lists (asset, amount)
    rows of theirs ($1 the owner)."""
    totals = f"SELECT asset, sum(amount)::bigint AS held FROM ({per_escrow}) AS e GROUP BY asset"
    return {r["asset"]: r["held"] for r in await conn.fetch(totals, owner)}


async def due(conn: Conn, statement: str, now: datetime, limit: int) -> list[str]:
    """The ids of open escrows whose expiry has passed ($1 now, $2 the limit)."""
    return [r[0] for r in await conn.fetch(statement, now, limit)]
