"""Stored events: past tense, frozen, tagged with explicit strings (never class names).

A new field gets a default; a breaking change bumps SCHEMA_VERSION and adds an upcaster in
infra/codec.py. Stored events are never rewritten.
"""

from datetime import datetime
from typing import Literal

import msgspec

from domain.assets import Catalog
from domain.details import AnyDetails
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


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class Event(msgspec.Struct, gc=False, frozen=True, kw_only=True, tag_field="type"):
    """Base of every stored event."""


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


class HoldPlaced(Event, frozen=True, kw_only=True, tag="hold_placed"):
    """A hold's terms (version 1 of its `hold:` stream); the money moved in `transfer_id`."""

    hold_id: str
    transfer_id: str
    player_id: str
    username: str
    asset: str
    amount: int
    expires_at: datetime
    memo: str | None = None
    occurred_at: datetime
    # The player id of the service or admin account that placed the hold: only it (or an admin,
    # giving a reason) may read or close it. None on holds placed before it was recorded: their
    # placer is unknown, so only an admin may close them.
    placed_by: str | None = None

    @property
    def parties(self) -> tuple[str, ...]:
        """The player ids whose streams a close of the hold writes."""
        return (self.player_id,)


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


class TradeOffered(Event, frozen=True, kw_only=True, tag="trade_offered"):
    """A trade's terms (version 1 of its `trade:` stream); `give` was escrowed in `transfer_id`."""

    trade_id: str
    transfer_id: str
    offerer_id: str
    offerer: str  # usernames, as the two players see each other
    recipient_id: str
    recipient: str
    give: dict[str, int]
    want: dict[str, int]
    expires_at: datetime
    occurred_at: datetime

    @property
    def parties(self) -> tuple[str, ...]:
        """The player ids whose streams a close of the trade writes."""
        return (self.offerer_id, self.recipient_id)


# Live operations (DESIGN-NOTES note 16): freezes on `freeze:<id>` streams, monitors on
# `monitor:<id>` streams. Their tags read as the feed's and the webhooks' event keys
# (`monitor.fired` is the one the webhooks promise).
FreezeScope = Literal["asset", "player", "operation"]
MonitorKind = Literal["supply_growth", "player_inflow", "transfers_rate", "treasury_low"]


class FreezePlaced(Event, frozen=True, kw_only=True, tag="freeze.placed"):
    """An operator (or a monitor, `created_by` = `monitor:<id>`) froze an asset, a player
    (`target` their username, `player_id` their id) or an operation (version 1 of its stream)."""

    freeze_id: str
    scope: FreezeScope
    target: str
    reason: str
    created_by: str
    occurred_at: datetime
    player_id: str | None = None


class FreezeLifted(Event, frozen=True, kw_only=True, tag="freeze.lifted"):
    """The freeze no longer holds (version 2 of its stream, its last)."""

    freeze_id: str
    reason: str
    lifted_by: str
    occurred_at: datetime


class MonitorRule(msgspec.Struct, frozen=True, kw_only=True):
    """What a monitor watches: over the last `window_seconds`, more than `threshold` (below it,
    for `treasury_low`) of `asset`, or transfers of `code` (any code when None)."""

    kind: MonitorKind
    window_seconds: int
    threshold: int
    asset: str | None = None
    code: str | None = None


class MonitorDefined(Event, frozen=True, kw_only=True, tag="monitor.defined"):
    """An operator set up a monitor (version 1 of its `monitor:` stream)."""

    monitor_id: str
    name: str
    rule: MonitorRule
    action: Literal["alert", "freeze"]
    created_by: str
    occurred_at: datetime


class MonitorFired(Event, frozen=True, kw_only=True, tag="monitor.fired"):
    """A monitor's rule was broken by the event at `position`; `player_id` and `username` name
    the player for `player_inflow`; `freeze_id` is the freeze it placed (action `freeze`)."""

    monitor_id: str
    name: str
    rule: MonitorRule
    action: Literal["alert", "freeze"]
    value: int
    position: int
    occurred_at: datetime
    player_id: str | None = None
    username: str | None = None
    freeze_id: str | None = None


class ClawbackFilter(msgspec.Struct, frozen=True, kw_only=True, rename={"from_": "from"}):
    """Which transfers a clawback reverses (every given field must match; `players` are
    usernames, as the operator wrote them)."""

    code: str | None = None
    asset: str | None = None
    from_: datetime | None = None
    to: datetime | None = None
    metadata: dict[str, str] = {}
    players: tuple[str, ...] = ()


class ClawbackTarget(msgspec.Struct, frozen=True, array_like=True):
    """One transfer a clawback reverses, and the player whose stream holds it."""

    player_id: str
    transfer_id: str


class ClawbackStarted(Event, frozen=True, kw_only=True, tag="clawback_started"):
    """A clawback's list (version 1 of its `clawback:` stream): the transfers matching `filter`
    at or below log position `upto`, in log order. The runner works it from the stream's head."""

    clawback_id: str
    filter: ClawbackFilter
    reason: str
    actor: str
    upto: int
    targets: tuple[ClawbackTarget, ...]
    occurred_at: datetime


class ClawbackStepped(Event, frozen=True, kw_only=True, tag="clawback_stepped"):
    """Target `index` of a clawback handled, in the same transaction as its reversal: reversed
    (with the `debt` it left), skipped (already reversed) or refused (`refusal`, a slug). The
    totals so far ride along, so the head alone answers for the clawback."""

    clawback_id: str
    index: int
    transfer_id: str
    outcome: Literal["reversed", "skipped", "refused"]
    reversal_id: str | None = None
    refusal: str | None = None
    debt: dict[str, int] = {}
    done: int
    total: int
    skipped: int = 0
    refused: int = 0
    debt_created: dict[str, int] = {}
    occurred_at: datetime


class ClawbackFinished(Event, frozen=True, kw_only=True, tag="clawback_finished"):
    """A clawback worked its whole list: `done`, or `failed` when some transfer was refused."""

    clawback_id: str
    status: Literal["done", "failed"]
    done: int
    total: int
    skipped: int = 0
    refused: int = 0
    debt_created: dict[str, int] = {}
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
