"""Request and response bodies of the game servers' routes (docs/economy.md): holds,
settlements and grants, camelCase on the wire."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

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
    """Currency a game server gives a player from the treasury (always allowed for services)."""

    player: Username
    amount: Units
    reason: Reason
    currency: CurrencyCode = "diamond"
    metadata: Metadata = msgspec.field(default_factory=dict)
    expires_at: ExpiresAt | None = None


class GrantResponse(Response):
    """The player's wallet after the grant."""

    transfer_id: str
    player: str
    balance: int  # of the granted currency
    version: int
    wallet: Wallet
