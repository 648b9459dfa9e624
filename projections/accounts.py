"""Balances of the accounts that are not players (shards, inflow, issuers), per asset.

A batch folds to one delta per (account, asset): a thousand purchases crediting inflow become a
single row update, so the treasury never becomes a hot row.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from domain import accounts
from domain.events import Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Projection, Table, Tables

Key = tuple[str, str]


def fold(events: Sequence[StoredEvent]) -> dict[Key, tuple[int, datetime]]:
    """(account, asset) -> (balance change, time of the last event that changed it)."""
    deltas: dict[Key, int] = defaultdict(int)
    seen: dict[Key, datetime] = {}
    for stored in events:
        if not isinstance(stored.event, Transferred) or stored.event.mirror:
            continue  # a mirror's legs are posted by the transfer's first copy
        for leg in stored.event.legs:
            if accounts.is_player(leg.account):
                continue
            deltas[leg.account, leg.asset] += leg.amount
            seen[leg.account, leg.asset] = stored.recorded_at
    return {key: (delta, seen[key]) for key, delta in deltas.items()}


TABLE = Table(
    "rm_accounts",
    "account text, asset text, balance bigint, updated_at timestamptz",
    "ON CONFLICT (account, asset) DO UPDATE"
    " SET balance = t.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at",
)


async def apply_batch(conn: Conn, deltas: dict[Key, tuple[int, datetime]], tables: Tables) -> None:
    """One upsert for the whole batch."""
    rows = [(*key, *change) for key, change in sorted(deltas.items())]
    await TABLE.write(conn, rows, tables)


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch."""
    await apply_batch(conn, fold(events), tables)


PROJECTION = Projection(name="accounts", tables=("rm_accounts",), apply=project)
