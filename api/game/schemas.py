"""Request and response bodies of the game servers' routes (docs/economy.md): holds,
settlements and grants, camelCase on the wire."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from api.http.energies import EnergyState
from api.http.schemas import (
    MAX_SAFE_INTEGER,
    Asset,
    CurrencyCode,
    Memo,
    Metadata,
    Request,
    Response,
    Units,
    Username,
    Wallet,
)

Seconds = Annotated[int, Meta(ge=1, le=MAX_SAFE_INTEGER, description="Seconds from now")]
HoldStatus = Literal["pending", "captured", "voided", "expired"]
Reason = Annotated[str, Meta(min_length=1, max_length=140, description="Why (in history)")]
CloseReason = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=140,
        description="Why (in history); required of an admin closing a hold it did not place",
    ),
]


class HoldRequest(Request):
    """Set a player's funds aside (a game server's stake for a match)."""

    player: Username
    asset: Asset
    amount: Units
    expires_in: Seconds
    memo: Memo | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class CaptureRequest(Request):
    """Capture `amount` of the hold (all of it when absent); the rest goes back to the player."""

    amount: Units | None = None
    reason: CloseReason | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class VoidRequest(Request):
    """Void the hold (the body may be left out)."""

    reason: CloseReason | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class HoldResponse(Response):
    """A hold and where it stands."""

    hold_id: str
    status: HoldStatus
    player: str
    asset: str
    amount: int
    expires_at: datetime
    captured: int | None = None
    memo: str | None = None


class HoldList(Response):
    """Newest first; pass `nextCursor` as `cursor` for the next (older) page."""

    holds: list[HoldResponse]
    next_cursor: str | None = None


HoldRef = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class PayoutItem(Request):
    """What one winner is paid out of the pot."""

    to: Username
    amount: Units


class SettlementRequest(Request):
    """Capture the match's holds into one pot and pay the winners; the rest is the rake."""

    holds: Annotated[list[HoldRef], Meta(min_length=1, max_length=100)]
    payouts: Annotated[list[PayoutItem], Meta(max_length=100)]
    memo: Memo | None = None
    reason: CloseReason | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class SettlementResponse(Response):
    """What the settlement moved, in the holds' asset."""

    settlement_id: str
    transfer_id: str
    pot: int
    paid: int
    rake: int


class ModifierRequest(Request):
    """A timed modifier of the granted energy, from the grant for `seconds`: `unlimited` lets
    spends through without lowering it, `refillFaster` divides its refillSeconds by `factor`."""

    kind: Literal["unlimited", "refillFaster"]
    seconds: Seconds
    factor: Annotated[int, Meta(ge=2, le=1000, description="refillFaster's divisor")] = 2


ExpiresAt = Annotated[
    datetime,
    Meta(
        tz=True,
        description="RFC 3339 with a zone: when this credit expires (a lot of its own, given "
        "back to the treasury then), over the currency's own expiresAfterSeconds",
        examples=["2026-12-31T23:59:59Z"],
    ),
]


class GrantRequest(Request):
    """Currency a game server gives a player from the treasury (always allowed for services),
    with its `reason`; or, naming an `energy`, that energy (up to its overfillMax), maybe with
    a timed `modifier`."""

    player: Username
    amount: Units
    reason: Reason | None = None  # required for currency
    currency: CurrencyCode = "diamond"
    energy: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")] | None = None
    modifier: ModifierRequest | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)
    expires_at: ExpiresAt | None = None


class GrantResponse(Response):
    """The player's wallet after the grant (and the energy, for an energy's grant)."""

    transfer_id: str
    player: str
    balance: int  # of the granted currency (or energy)
    version: int
    wallet: Wallet
    energy: EnergyState | None = None
