"""The shapes the read API returns (msgspec Structs: the HTTP layer encodes them as they are)."""

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from domain.timed import TimedState


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class PlayerView(msgspec.Struct, gc=False, kw_only=True):
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
    timed: TimedState | None = None  # energies, lots, offer counters (domain/timed.py)


class Leg(msgspec.Struct, frozen=True):
    """One side of a transfer: a positive amount credits the account (an object, unlike the
    compact stored array of domain.events.Leg)."""

    account: str
    asset: str
    amount: int


class ModifierEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A timed modifier an energy grant carried (domain/energies.py)."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    factor: int = 1


class EnergyEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An energy transfer's details: the energy, what was asked, what the refill since the last
    touch added first (`started`: a first touch's start), what a grant credited, whether an
    `unlimited` modifier let a spend through, and the modifier a grant gave."""

    energy: str
    amount: int
    refilled: int = 0
    started: int = 0
    credited: int | None = None
    unlimited: bool = False
    modifier: ModifierEntry | None = None


class HistoryEntry(msgspec.Struct, gc=False, frozen=True, kw_only=True, rename="camel"):
    """One transfer of the player's stream: the history read model's row and the API's entry
    (camelCase on the wire). A transfer's details appear flat, as schema version 1 had them."""

    transfer_id: str
    code: str
    version: int
    legs: list[Leg]
    balance_after: int
    state_after: dict[str, int]
    occurred_at: datetime
    item: str | None = None
    quantity: int | None = None
    reverses: str | None = None
    reason: str | None = None
    counterparty: Annotated[
        str | None, Meta(description="The other player's username (gifts, trades)")
    ] = None
    memo: str | None = None
    hold_id: str | None = None
    metadata: Annotated[
        dict[str, str], Meta(description="The labels the write was given (`metadata`)")
    ] = msgspec.field(default_factory=dict)
    trade_id: str | None = None
    energy: Annotated[
        EnergyEntry | None, Meta(description="An energy spend's or grant's details (issue 23)")
    ] = None


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
