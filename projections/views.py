"""The shapes the read API returns (msgspec Structs: the HTTP layer encodes them as they are)."""

from datetime import datetime

import msgspec

from projections.history import LegView


class PlayerView(msgspec.Struct, kw_only=True):
    """A player's wallet; `stale` when the projection had not caught up in time."""

    player_id: str
    username: str
    referral_code: str
    balance: int
    version: int
    inventory: dict[str, int]
    stale: bool
    held: dict[str, int] = msgspec.field(default_factory=dict)  # what pending holds set aside
    debt: dict[str, int] = msgspec.field(default_factory=dict)  # refunded currency already spent


class HistoryEntry(msgspec.Struct, kw_only=True):
    """One transfer as the player's history shows it."""

    transfer_id: str
    code: str
    version: int
    legs: list[LegView]
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


class HistoryPage(msgspec.Struct, kw_only=True):
    """Entries newest first; pass `next_cursor` as `before_version` for the next page."""

    entries: list[HistoryEntry]
    next_cursor: str | None
    stale: bool = False


class AssetTotals(msgspec.Struct, kw_only=True):
    """The treasury's view of one asset: treasury = shards + inflow."""

    asset: str
    shards: int
    inflow: int
    treasury: int
    issued: int
    circulating: int
    inflow_credited: int
    genesis: int | None
    updated_at: datetime


class ShardView(msgspec.Struct, kw_only=True):
    """A treasury shard: its spendable budget (its stream) and its balance (projected)."""

    index: int
    account: str
    budget: int
    balance: int
    version: int


class TreasuryView(msgspec.Struct, kw_only=True):
    """Per-asset totals and per-shard budgets."""

    assets: list[AssetTotals]
    shards: list[ShardView]


class ProjectorStatus(msgspec.Struct, kw_only=True):
    """Where a projector is and how far behind the log."""

    name: str
    position: int
    transaction_id: str
    events_applied: int
    lag_events: int
    lag_seconds: float
    last_error: str | None
    updated_at: datetime | None
    horizon_age_seconds: float = 0.0
