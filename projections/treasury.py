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
from projections.model import Projection, Table, Tables


@dataclass
class AssetDelta:
    """How one batch moves one asset's treasury totals."""

    asset: str
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

    @property
    def circulating(self) -> int:
        """What the players' balances moved by (on insert: the table keeps it derived)."""
        return self.issued - self.shards - self.inflow


def fold(events: Sequence[StoredEvent]) -> dict[str, AssetDelta]:
    """asset -> the batch's change to its totals."""
    deltas: dict[str, AssetDelta] = {}
    for stored in events:
        if not isinstance(stored.event, Transferred) or stored.event.mirror:
            continue  # a mirror's legs are posted by the transfer's first copy
        for leg in stored.event.legs:
            delta = deltas.setdefault(leg.asset, AssetDelta(leg.asset))
            delta.add(leg.account, leg.amount)
            delta.updated_at = stored.recorded_at
    return deltas


# Every account is a player, a shard, inflow or an issuer and all balances of an asset sum to
# zero, so what the players hold is issued - shards - inflow.
TABLE = Table(
    "rm_treasury",
    "asset text, shards bigint, inflow bigint, inflow_credited bigint, issued bigint,"
    " circulating bigint, updated_at timestamptz",
    """ON CONFLICT (asset) DO UPDATE SET
    shards          = t.shards + EXCLUDED.shards,
    inflow          = t.inflow + EXCLUDED.inflow,
    inflow_credited = t.inflow_credited + EXCLUDED.inflow_credited,
    issued          = t.issued + EXCLUDED.issued,
    circulating     = (t.issued + EXCLUDED.issued) - (t.shards + EXCLUDED.shards)
                      - (t.inflow + EXCLUDED.inflow),
    updated_at      = EXCLUDED.updated_at""",
)


async def apply_batch(conn: Conn, deltas: dict[str, AssetDelta], tables: Tables) -> None:
    """One upsert for the whole batch."""
    await TABLE.write(conn, [deltas[asset] for asset in sorted(deltas)], tables)


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch."""
    await apply_batch(conn, fold(events), tables)


PROJECTION = Projection(name="treasury", tables=("rm_treasury",), apply=project)
