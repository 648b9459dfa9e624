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
from projections.model import Projection, Tables, sql

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


_UPSERT = """
INSERT INTO {rm_accounts} AS a (account, asset, balance, updated_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[])
ON CONFLICT (account, asset) DO UPDATE
   SET balance = a.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at
"""


async def apply_batch(conn: Conn, deltas: dict[Key, tuple[int, datetime]], tables: Tables) -> None:
    """One upsert for the whole batch."""
    keys = sorted(deltas)
    if not keys:
        return
    await conn.execute(
        sql(_UPSERT, tables),
        [account for account, _ in keys],
        [asset for _, asset in keys],
        [deltas[key][0] for key in keys],
        [deltas[key][1] for key in keys],
    )


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch."""
    await apply_batch(conn, fold(events), tables)


PROJECTION = Projection(name="accounts", tables=("rm_accounts",), apply=project)
