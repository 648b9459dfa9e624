"""Stored events: past tense, frozen, tagged with explicit strings (never class names).

A new field gets a default; a breaking change bumps SCHEMA_VERSION and adds an upcaster in
infra/codec.py. Stored events are never rewritten.

This module holds the ledger's own events (players, claims, transfers and the side streams a
transfer writes: tranches, gifts, debt, the catalog) and the one union of every stored event,
`AnyEvent`, with its registry by tag. The other families are beside it: escrow_events (holds,
trades), freeze_events, monitor_events and clawback_events; their base, `Event`, is in
domain/event_base.py.
"""

from datetime import datetime
from typing import Literal

import msgspec

from domain.assets import Catalog
from domain.clawback_events import ClawbackFinished, ClawbackStarted, ClawbackStepped
from domain.details import AnyDetails
from domain.escrow_events import HoldPlaced, TradeOffered
from domain.event_base import Event
from domain.freeze_events import FreezeLifted, FreezePlaced
from domain.monitor_events import MonitorDefined, MonitorFired
from domain.timed import TimedState

# Version 2: a transfer's kind-particular fields moved from the top into `details`
# (the upcaster of version 1 is in infra/codec.py).
SCHEMA_VERSION = 2

TransferCode = Literal[
    "genesis",
    "top_up",
    "purchase",
    "referral_bonus",
    "reversal",
    "sweep",
    "gift",
    "hold",
    "hold_capture",
    "hold_void",
    "hold_expiry",
    "item_use",
    "trade_offer",
    "trade_accept",
    "trade_decline",
    "trade_cancel",
    "trade_expiry",
    "settlement",
    "grant",
    "store_credit",
    "store_refund",
    "energy_spend",
    "energy_grant",
    "expiry",
]


class Leg(msgspec.Struct, frozen=True, array_like=True):
    """One side of a transfer: a positive amount credits the account, a negative one debits it."""

    account: str
    asset: str
    amount: int


class PlayerRegistered(Event, frozen=True, kw_only=True, tag="player_registered"):
    """A player opened an account (the first event of a player stream)."""

    player_id: str
    username: str
    referral_code: str
    referred_by: str | None = None
    occurred_at: datetime
    metadata: dict[str, str] = {}  # the caller's labels (domain/metadata.py)


class Claimed(Event, frozen=True, kw_only=True, tag="claimed"):
    """A unique name (username, referral code, reversal, store receipt) now belongs to `owner`.

    A store receipt's claim names the credit it paid (`transfer_id`): a refund finds it there.
    """

    owner: str
    occurred_at: datetime
    transfer_id: str | None = None


class Transferred(Event, frozen=True, kw_only=True, tag="transferred"):
    """One balanced ledger transfer with all of its legs.

    `state_after` is the balance of the stream's own account per asset after this transfer,
    so loading a stream's state reads one row however long the stream is. What only one kind of
    transfer has (a purchase's price, a hold's id, a store's receipt) is in `details`.
    """

    transfer_id: str
    code: TransferCode
    legs: tuple[Leg, ...]
    state_after: dict[str, int]
    occurred_at: datetime
    # A transfer that touches several streams is appended to each of them, with each stream's
    # own `state_after`. Its legs are posted once, by the copy in the first stream: the others
    # say `mirror`, and every fold that sums legs skips them.
    mirror: bool = False
    metadata: dict[str, str] = {}  # the caller's labels (domain/metadata.py)
    details: AnyDetails | None = None  # what is particular to its kind (domain/details.py)
    # The stream's player's energies, lots and offer counters after it (domain/timed.py);
    # None for a player with none, and on every stream that is not a player's.
    timed: TimedState | None = None


class TrancheChanged(Event, frozen=True, kw_only=True, tag="tranche_changed"):
    """A treasury shard's spendable budget moved by `delta` for transfer `transfer_id`."""

    transfer_id: str
    delta: int
    budget_after: int
    occurred_at: datetime


class GiftBucket(msgspec.Struct, frozen=True, array_like=True):
    """What a player gifted of one asset in one minute (minutes since the Unix epoch)."""

    asset: str
    minute: int
    amount: int


class GiftsSent(Event, frozen=True, kw_only=True, tag="gifts_sent"):
    """A player's gifts of the last 24 hours, after gift `transfer_id` (a `gifts:` stream)."""

    transfer_id: str
    window: tuple[GiftBucket, ...]
    occurred_at: datetime


class DebtChanged(Event, frozen=True, kw_only=True, tag="debt_changed"):
    """A player's debt (a `debt:` stream) after transfer `transfer_id`: a refund of currency
    already spent added to it, a later credit repaid it. Per currency; never below zero."""

    transfer_id: str
    debt_after: dict[str, int]
    occurred_at: datetime


class CatalogApplied(Event, frozen=True, kw_only=True, tag="catalog_applied"):
    """A catalog became the live one, as version `catalog.version` of the `catalog` stream."""

    catalog: Catalog
    occurred_at: datetime


AnyEvent = (
    PlayerRegistered
    | Claimed
    | Transferred
    | TrancheChanged
    | GiftsSent
    | HoldPlaced
    | CatalogApplied
    | TradeOffered
    | DebtChanged
    | FreezePlaced
    | FreezeLifted
    | MonitorDefined
    | MonitorFired
    | ClawbackStarted
    | ClawbackStepped
    | ClawbackFinished
)

EVENT_TYPES: dict[str, type[Event]] = {
    "player_registered": PlayerRegistered,
    "claimed": Claimed,
    "transferred": Transferred,
    "tranche_changed": TrancheChanged,
    "gifts_sent": GiftsSent,
    "hold_placed": HoldPlaced,
    "catalog_applied": CatalogApplied,
    "trade_offered": TradeOffered,
    "debt_changed": DebtChanged,
    "freeze.placed": FreezePlaced,
    "freeze.lifted": FreezeLifted,
    "monitor.defined": MonitorDefined,
    "monitor.fired": MonitorFired,
    "clawback_started": ClawbackStarted,
    "clawback_stepped": ClawbackStepped,
    "clawback_finished": ClawbackFinished,
}


def event_type_of(event: Event) -> str:
    """The stored tag of an event."""
    tag = type(event).__struct_config__.tag
    assert isinstance(tag, str)
    return tag
