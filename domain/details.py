"""What is particular to one kind of transfer: a tagged `details` union on `Transferred`.

A transfer's core (id, code, legs, `state_after`, time, metadata) is what every reader needs;
a purchase's price, a hold's id or a store's receipt is what only its own readers need, so each
kind has its own frozen struct, tagged with an explicit string (never a class name).

Schema version 1 stored every one of these fields flat on the transfer. Their names did not
change: a variant's fields are the version-1 fields of its kind, so the codec's upcaster moves
them by name (infra/codec.py), and `flat` gives back the version-1 shape that the history
columns, the feed, the webhooks and replay keep showing.
"""

from typing import TYPE_CHECKING, Any

import msgspec

from domain.energies import Modifier
from domain.lots import Lot

if TYPE_CHECKING:
    from domain.events import Transferred


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class Details(msgspec.Struct, gc=False, frozen=True, kw_only=True, tag_field="kind"):
    """Base of a transfer's details."""


class TopUpDetails(Details, frozen=True, kw_only=True, tag="top_up"):
    """A top-up that first repaid the player's debt: per currency, what went to the treasury."""

    repaid: dict[str, int] | None = None


class PurchaseDetails(Details, frozen=True, kw_only=True, tag="purchase"):
    """The item bought, the catalog version it was priced from and what it paid per currency,
    so replay and audit never price an old purchase from today's catalog."""

    item: str
    quantity: int
    catalog_version: int | None = None
    paid: dict[str, int] | None = None
    granted: dict[str, int] | None = None  # a bundle's contents


class UseDetails(Details, frozen=True, kw_only=True, tag="item_use"):
    """Items used and what they granted. With a drop table: per item used, the CSPRNG's draw in
    [0, total weight) and the drop it landed on (DESIGN-NOTES.md, note 11). Replay reads these,
    never rolls again."""

    item: str
    quantity: int
    catalog_version: int | None = None
    granted: dict[str, int] | None = None
    rolls: tuple[int, ...] | None = None
    drops: tuple[int, ...] | None = None


class ReversalDetails(Details, frozen=True, kw_only=True, tag="reversal"):
    """The transfer a reversal undoes, and why."""

    reverses: str
    reason: str | None = None


class GiftDetails(Details, frozen=True, kw_only=True, tag="gift"):
    """The other player's username, and the sender's memo."""

    counterparty: str
    memo: str | None = None


class HoldDetails(Details, frozen=True, kw_only=True, tag="hold"):
    """A hold placed or closed: its id, the placer's memo, and an operator's reason."""

    hold_id: str
    memo: str | None = None
    reason: str | None = None


class TradeDetails(Details, frozen=True, kw_only=True, tag="trade"):
    """A trade offered or closed, and the other player's username (none on the trade's copy)."""

    trade_id: str
    counterparty: str | None = None


class SettlementDetails(Details, frozen=True, kw_only=True, tag="settlement"):
    """A match settlement: its id, memo and (from an operator) reason."""

    settlement_id: str
    memo: str | None = None
    reason: str | None = None


class GrantDetails(Details, frozen=True, kw_only=True, tag="grant"):
    """A game server's grant: why, and what of it first repaid the player's debt."""

    reason: str | None = None
    repaid: dict[str, int] | None = None


class StoreCreditDetails(Details, frozen=True, kw_only=True, tag="store_credit"):
    """A verified store receipt's credit: the store, its receipt's id (Apple's transactionId,
    Google's orderId) and product, so replay and audit name the receipt."""

    store: str
    receipt_id: str
    product_id: str
    catalog_version: int | None = None
    repaid: dict[str, int] | None = None


class StoreRefundDetails(Details, frozen=True, kw_only=True, tag="store_refund"):
    """A store refund: the receipt, the credit it takes back (`reverses`) and why."""

    store: str
    receipt_id: str
    product_id: str | None = None
    reverses: str | None = None
    reason: str | None = None


class EnergyDetails(Details, frozen=True, kw_only=True, tag="energy"):
    """An energy spent or granted (domain/energy_use.py): how much was asked, what the refill
    since its last touch added first (`refilled`; `started`: a first touch's `start`), what a
    grant credited under the overfill cap, whether an `unlimited` modifier left it as it was,
    and the modifier a grant gave."""

    energy: str
    amount: int
    refilled: int = 0
    started: int = 0
    credited: int | None = None  # a grant's, at most `overfillMax` less the value
    unlimited: bool = False  # a spend an `unlimited` modifier let through unlowered
    modifier: Modifier | None = None
    reason: str | None = None


class ExpiryDetails(Details, frozen=True, kw_only=True, tag="expiry"):
    """The lots an expiry gave back to their treasury, per currency, as they stood (their
    remainder and `expires_at`), so the audit checks each against the player's state before."""

    expired: dict[str, tuple[Lot, ...]]


AnyDetails = (
    TopUpDetails
    | PurchaseDetails
    | UseDetails
    | ReversalDetails
    | GiftDetails
    | HoldDetails
    | TradeDetails
    | SettlementDetails
    | GrantDetails
    | StoreCreditDetails
    | StoreRefundDetails
    | EnergyDetails
    | ExpiryDetails
)

# Each code's details (codes without any: genesis, sweep, referral_bonus).
DETAILS_OF_CODE: dict[str, type[Details]] = {
    "top_up": TopUpDetails,
    "purchase": PurchaseDetails,
    "item_use": UseDetails,
    "reversal": ReversalDetails,
    "gift": GiftDetails,
    **dict.fromkeys(("hold", "hold_capture", "hold_void", "hold_expiry"), HoldDetails),
    **dict.fromkeys(
        ("trade_offer", "trade_accept", "trade_decline", "trade_cancel", "trade_expiry"),
        TradeDetails,
    ),
    "settlement": SettlementDetails,
    "grant": GrantDetails,
    "store_credit": StoreCreditDetails,
    "store_refund": StoreRefundDetails,
    **dict.fromkeys(("energy_spend", "energy_grant"), EnergyDetails),
    "expiry": ExpiryDetails,
}

# A schema-version-1 transfer's fields in their stored order: the core, with every kind's
# details in between (the order the feed's and replay's JSON has always had).
V1_FIELDS = (
    "transfer_id",
    "code",
    "legs",
    "state_after",
    "occurred_at",
    "item",
    "quantity",
    "reverses",
    "reason",
    "mirror",
    "counterparty",
    "memo",
    "hold_id",
    "metadata",
    "catalog_version",
    "paid",
    "granted",
    "rolls",
    "drops",
    "trade_id",
    "settlement_id",
    "store",
    "receipt_id",
    "product_id",
    "repaid",
)


def field_names(kind: type[Details]) -> tuple[str, ...]:
    """The fields a kind of details holds."""
    return kind.__struct_fields__


def flat(event: "Transferred") -> dict[str, Any]:
    """The transfer in its schema-version-1 shape: every field at the top, None where its kind
    has no such field. What the history, the feed, the webhooks and replay show."""
    values = msgspec.structs.asdict(event)
    if event.details is not None:
        values.update(msgspec.structs.asdict(event.details))
    shown = {name: values.get(name) for name in V1_FIELDS}
    # What version 1 never had (an energy's details, the player's `timed` state) follows, and
    # only where it is set: every other transfer keeps exactly the shape it always had.
    newer = {
        name: value
        for name, value in values.items()
        if name not in shown and name not in ("details", "kind") and value not in (None, 0, False)
    }
    return shown | newer
