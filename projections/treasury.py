"""The treasury per asset: shards, inflow, what was issued and what the players hold.

Folded in batches: one row update per asset per batch, never one per purchase. The sweeper
reads `inflow_credited`, which only ever grows and never runs ahead of the log.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import accounts
from domain.events import Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Projection, Tables, sql


@dataclass
class AssetDelta:
    """How one batch moves one asset's treasury totals."""

    shards: int = 0
    inflow: int = 0
    inflow_credited: int = 0
    issued: int = 0
    updated_at: datetime | None = None

    def add(self, account: str, amount: int) -> None:
        """Account for one leg (player legs only move `circulating`, which is derived)."""
        if account.startswith(accounts.SHARD_PREFIX):
            self.shards += amount
        elif account == accounts.INFLOW:
            self.inflow += amount
            self.inflow_credited += max(amount, 0)
        elif accounts.is_issuer(account):
            self.issued -= amount


def fold(events: Sequence[StoredEvent]) -> dict[str, AssetDelta]:
    """asset -> the batch's change to its totals."""
    deltas: dict[str, AssetDelta] = {}
    for stored in events:
        if not isinstance(stored.event, Transferred) or stored.event.mirror:
            continue  # a mirror's legs are posted by the transfer's first copy
        for leg in stored.event.legs:
            delta = deltas.setdefault(leg.asset, AssetDelta())
            delta.add(leg.account, leg.amount)
            delta.updated_at = stored.recorded_at
    return deltas


# Every account is a player, a shard, inflow or an issuer and all balances of an asset sum to
# zero, so what the players hold is issued - shards - inflow.
_UPSERT = """
INSERT INTO {rm_treasury} AS t
       (asset, shards, inflow, inflow_credited, issued, circulating, updated_at)
SELECT a, s, i, c, n, n - s - i, u
  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],
              $6::timestamptz[]) AS x(a, s, i, c, n, u)
ON CONFLICT (asset) DO UPDATE SET
    shards          = t.shards + EXCLUDED.shards,
    inflow          = t.inflow + EXCLUDED.inflow,
    inflow_credited = t.inflow_credited + EXCLUDED.inflow_credited,
    issued          = t.issued + EXCLUDED.issued,
    circulating     = (t.issued + EXCLUDED.issued) - (t.shards + EXCLUDED.shards)
                      - (t.inflow + EXCLUDED.inflow),
    updated_at      = EXCLUDED.updated_at
"""


async def apply_batch(conn: Conn, deltas: dict[str, AssetDelta], tables: Tables) -> None:
    """One upsert for the whole batch."""
    assets = sorted(deltas)
    if not assets:
        return
    rows = [deltas[asset] for asset in assets]
    await conn.execute(
        sql(_UPSERT, tables),
        assets,
        [d.shards for d in rows],
        [d.inflow for d in rows],
        [d.inflow_credited for d in rows],
        [d.issued for d in rows],
        [d.updated_at for d in rows],
    )


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch."""
    await apply_batch(conn, fold(events), tables)


PROJECTION = Projection(name="treasury", tables=("rm_treasury",), apply=project)
