"""Commands: what a caller asks the ledger to do. Validation of shape lives in the API schemas;
the rules (limits, funds, catalog) live in the decide functions."""

from datetime import datetime
from typing import Any, ClassVar, Literal

import msgspec

from domain.assets import Catalog
from domain.clawback_events import ClawbackFilter


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class Command(msgspec.Struct, gc=False, frozen=True, kw_only=True):
    """Base of every command.

    `tag` names the command in stored idempotency fingerprints and in metrics. It is spelled
    out, never derived from the class name: a renamed class must still match the keys stored
    under its old name (the tags are the names the classes had when keys were first stored).
    """

    tag: ClassVar[str]
    # The caller's labels for the write, checked and stamped on its events by the pipeline
    # (domain/metadata.py). Empty, it is left out of the idempotency fingerprint.
    metadata: dict[str, str] = {}
    # Fields added after keys were stored, with their defaults: a command at those defaults
    # fingerprints as it did before the field existed (service/idempotency.py).
    added: ClassVar[dict[str, Any]] = {}


class SignUp(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "SignUp"
    username: str
    referral_code: str | None = None


class TopUp(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "TopUp"
    added: ClassVar[dict[str, Any]] = {"currency": "diamond", "expires_at": None}
    player_id: str
    amount: int
    currency: str = "diamond"
    expires_at: datetime | None = None  # a game server's batch top-up: when this credit expires


class EnergyModifier(msgspec.Struct, frozen=True, kw_only=True):
    """A timed modifier an energy grant carries (domain/energies.py), from the grant on."""

    kind: Literal["unlimited", "refillFaster"]
    seconds: int
    factor: int = 2  # refillFaster: refillSeconds is divided by it


class Grant(Command, frozen=True, kw_only=True):
    """A game server (service token) pays a player currency from the treasury, with a reason,
    or grants an energy (`energy`), maybe with a timed modifier."""

    tag: ClassVar[str] = "Grant"
    added: ClassVar[dict[str, Any]] = {"energy": None, "modifier": None, "expires_at": None}
    player: str  # the player's username
    amount: int
    reason: str | None
    currency: str = "diamond"
    energy: str | None = None  # an energy's code: the grant is of it, not of `currency`
    modifier: EnergyModifier | None = None
    expires_at: datetime | None = None  # when this credit expires (domain/lots.py)


class SpendEnergy(Command, frozen=True, kw_only=True):
    """A player spends `amount` of an energy (its refill since the last touch comes first)."""

    tag: ClassVar[str] = "SpendEnergy"
    player_id: str
    energy: str
    amount: int


class StoreCredit(Command, frozen=True, kw_only=True):
    """Credit a verified store purchase (its store's own id claimed once) to the player."""

    tag: ClassVar[str] = "StoreCredit"
    player_id: str
    store: Literal["apple", "google"]
    receipt_id: str  # Apple's transactionId, Google's orderId
    product_id: str
    quantity: int = 1
    # The account the app bound the purchase to (Apple's appAccountToken, Google's
    # obfuscatedAccountId), when it did: it must be this player's id.
    account: str | None = None


class StoreRefund(Command, frozen=True, kw_only=True):
    """The store refunded or revoked a credited receipt: take its grant back."""

    tag: ClassVar[str] = "StoreRefund"
    store: Literal["apple", "google"]
    receipt_id: str
    reason: str  # e.g. "apple REFUND", or the operator's words


class Purchase(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "Purchase"
    added: ClassVar[dict[str, Any]] = {"price": 0}
    player_id: str
    item: str
    quantity: int = 1
    price: int = 0  # which of the item's price options


class UseItem(Command, frozen=True, kw_only=True):
    """Burn `quantity` of an item back to its issuer for what its `onUse` grants."""

    tag: ClassVar[str] = "UseItem"
    player_id: str
    item: str
    quantity: int = 1


class Reverse(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "Reverse"
    player_id: str
    transfer_id: str
    reason: str
    actor: str


class StartClawback(Command, frozen=True, kw_only=True):
    """Record a clawback: the transfers matching `filter` now, to be reversed by the runner."""

    tag: ClassVar[str] = "StartClawback"
    filter: ClawbackFilter
    reason: str
    actor: str


class ClawbackStep(Command, frozen=True, kw_only=True):
    """Reverse target `index` of a clawback (the runner sends them in order, without a key)."""

    tag: ClassVar[str] = "ClawbackStep"
    clawback_id: str
    index: int
    player_id: str
    transfer_id: str
    reason: str
    actor: str


class Sweep(Command, frozen=True, kw_only=True):
    """Refill shards from inflow: `inflow_credited` is what the projection has folded so far."""

    tag: ClassVar[str] = "Sweep"
    inflow_credited: int
    currency: str = "diamond"


class Gift(Command, frozen=True, kw_only=True):
    """One player gives another `amount` of an asset."""

    tag: ClassVar[str] = "Gift"
    sender_id: str
    to: str  # the receiver's username
    asset: str
    amount: int
    memo: str | None = None


class PlaceHold(Command, frozen=True, kw_only=True):
    """A game server sets a player's money aside until it is captured, voided or expires."""

    tag: ClassVar[str] = "PlaceHold"
    player: str  # the player's username
    asset: str
    amount: int
    expires_in: int  # seconds
    memo: str | None = None


class CloseHold(Command, frozen=True, kw_only=True):
    """Capture (`amount` of it, all when None), void or expire a pending hold."""

    tag: ClassVar[str] = "CloseHold"
    added: ClassVar[dict[str, Any]] = {"reason": None}
    hold_id: str
    outcome: Literal["capture", "void", "expire"]
    amount: int | None = None
    reason: str | None = None  # why (required of an admin closing a hold it did not place)


TradeOutcome = Literal["accept", "decline", "cancel", "expire"]


class OfferTrade(Command, frozen=True, kw_only=True):
    """A player offers another `give` for `want`; `give` is escrowed until the trade closes."""

    tag: ClassVar[str] = "OfferTrade"
    offerer_id: str
    to: str  # the recipient's username
    give: dict[str, int]
    want: dict[str, int]
    expires_in: int | None = None  # seconds; a day when None


class CloseTrade(Command, frozen=True, kw_only=True):
    """Accept or decline (the recipient), cancel (the offerer) or expire (the expirer) a trade."""

    tag: ClassVar[str] = "CloseTrade"
    trade_id: str
    outcome: TradeOutcome
    caller_id: str | None = None  # the player asking; None for the expirer


class Payout(msgspec.Struct, frozen=True, kw_only=True):
    """What one winner of a match is paid out of the pot."""

    to: str  # the winner's username
    amount: int


class Settle(Command, frozen=True, kw_only=True):
    """Capture every listed hold into one pot and pay the winners; the rest is the rake."""

    tag: ClassVar[str] = "Settle"
    added: ClassVar[dict[str, Any]] = {"reason": None}
    holds: tuple[str, ...]
    payouts: tuple[Payout, ...]
    memo: str | None = None
    reason: str | None = None  # why (required of an admin settling holds it did not place)


class ApplyCatalog(Command, frozen=True, kw_only=True):
    """Make `catalog` the live one (an operator's, refused with every reason it breaks)."""

    tag: ClassVar[str] = "ApplyCatalog"
    catalog: Catalog


class ExpireLots(Command, frozen=True, kw_only=True):
    """Give the player's expired lots back to their treasury (the expirer's, DESIGN-NOTES 15)."""

    tag: ClassVar[str] = "ExpireLots"
    player_id: str


class PlaceFreeze(Command, frozen=True, kw_only=True):
    """An operator stops every write that would move an asset, a player or an operation."""

    tag: ClassVar[str] = "PlaceFreeze"
    scope: Literal["asset", "player", "operation"]
    target: str  # an asset code, a username or an operation
    reason: str


class LiftFreeze(Command, frozen=True, kw_only=True):
    """An operator lifts a freeze."""

    tag: ClassVar[str] = "LiftFreeze"
    freeze_id: str
    reason: str


class DefineMonitor(Command, frozen=True, kw_only=True):
    """An operator sets up a monitor: a rule the monitors projector evaluates on the log."""

    tag: ClassVar[str] = "DefineMonitor"
    name: str
    kind: Literal["supply_growth", "player_inflow", "transfers_rate", "treasury_low"]
    window_seconds: int
    threshold: int
    action: Literal["alert", "freeze"]
    asset: str | None = None
    code: str | None = None


class EconomyRules(msgspec.Struct, frozen=True, kw_only=True):
    """The economy's tunable numbers (from configuration)."""

    genesis_supply: int = 2_000_000_000
    shard_count: int = 64
    top_up_max: int = 10_000
    referral_bonus: int = 50
    max_quantity: int = 10_000
    # A shard below this budget is refilled first by the sweeper.
    shard_low_water: int = 1_000_000
    # What one player may gift of each asset over a rolling 24 hours (in that asset's units).
    gift_daily_limit: int = 10_000
    hold_max_seconds: int = 7 * 24 * 3600
