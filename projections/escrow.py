"""The fold every escrow read model shares (domain/escrow.py): a batch folds to one row per
escrow; the event that opened its stream brings the terms and a closing transfer (version 2)
the outcome. Each use keeps its own table; its upsert keeps the terms of version 1 and the
outcome of version 2 whichever batch brought them (the version guard makes any order safe).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from domain.escrow import OPENED_VERSION, EscrowUse, outcome
from domain.events import Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Table, Tables, newest_wins

Row = dict[str, Any]  # one escrow as a batch leaves it, by column


def _nothing(escrow_id: str, closing: Transferred) -> Row:
    return {}


@dataclass(frozen=True)
class EscrowFold:
    """One use's read model. Its streams are `<noun>:<id>` (domain/accounts.py), its table
    `rm_<noun>s` keyed by `<noun>_id`; `terms` are the columns its opening event brings (kept),
    `opened` their values; an outcome writes status, closed_at and the `closing` columns
    (`closed` their values), the highest version's. Columns as "name type, ..."."""

    use: EscrowUse
    terms: str
    opened: Callable[[StoredEvent], Row]
    closing: str = ""
    closed: Callable[[str, Transferred], Row] = _nothing

    @cached_property
    def table(self) -> Table:
        """The use's table and its upsert."""
        key = f"{self.use.noun}_id"
        closing = ", ".join(filter(None, ("status text, closed_at timestamptz", self.closing)))
        columns = f"{key} text, {self.terms}, {closing}, version bigint"
        return Table(
            f"rm_{self.use.noun}s", columns, newest_wins(key, kept=self.terms, newest=closing)
        )

    def fold(self, events: Sequence[StoredEvent]) -> dict[str, Row]:
        """The newest row of each escrow touched by the batch (terms only if opened in it)."""
        rows: dict[str, Row] = {}
        key, prefix = f"{self.use.noun}_id", f"{self.use.noun}:"
        for stored in events:
            if not stored.stream_id.startswith(prefix):
                continue
            escrow_id = stored.stream_id.removeprefix(prefix)
            row = rows.setdefault(
                escrow_id, {key: escrow_id, "status": self.use.open_status, "version": 0}
            )
            event = stored.event
            if stored.version == OPENED_VERSION:
                row |= self.opened(stored)
            elif isinstance(event, Transferred) and (closed := outcome(self.use, event)):
                row["status"], row["closed_at"] = closed
                row |= self.closed(escrow_id, event)
            row["version"] = max(row["version"], stored.version)
        return rows

    async def project(self, conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
        """Fold a batch and write it in one upsert (sorted: a stable lock order)."""
        rows = self.fold(events)
        await self.table.write(conn, [rows[key] for key in sorted(rows)], tables)


async def set_aside(conn: Conn, per_escrow: str, owner: str) -> dict[str, int]:
    """What the owner's open escrows set aside, per asset: `per_escrow` lists (asset, amount)
    rows of theirs ($1 the owner)."""
    totals = f"SELECT asset, sum(amount)::bigint AS held FROM ({per_escrow}) AS e GROUP BY asset"
    return {r["asset"]: r["held"] for r in await conn.fetch(totals, owner)}


async def due(conn: Conn, statement: str, now: datetime, limit: int) -> list[str]:
    """The ids of open escrows whose expiry has passed ($1 now, $2 the limit)."""
    return [r[0] for r in await conn.fetch(statement, now, limit)]
