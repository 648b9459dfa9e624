"""Bodies of the operators' API (camelCase on the wire, like the game's)."""

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from api.http.schemas import Inventory, Metadata, Request, Response, Wallet

PlayerId = Annotated[str, Meta(pattern=r"^[0-9a-fA-F-]{1,64}$", examples=["9b2f…"])]
Reason = Annotated[str, Meta(min_length=1, max_length=500, pattern=r"\S")]


class AssetSupply(Response):
    """One asset across the economy: supply = treasury + circulating (players)."""

    asset: str
    supply: int
    treasury: int
    circulating: int
    shards: int
    inflow: int
    inflow_credited: int
    genesis: int | None
    updated_at: datetime


class Shard(Response):
    """A treasury shard: spendable budget (its stream) and projected balance."""

    index: int
    account: str
    budget: int
    balance: int
    version: int


class EconomyResponse(Response):
    """Treasury and supply per asset, as projected."""

    assets: list[AssetSupply]
    shards: list[Shard]
    treasury_balance: Annotated[int, Meta(description="Diamonds held by the treasury")]


class RatePoint(Response):
    """Player transfers recorded in one minute."""

    minute: datetime
    transfers: int


class RateResponse(Response):
    """Transfers per minute, oldest first, empty minutes as zero."""

    points: list[RatePoint]


class Projector(Response):
    """A projector's checkpoint and how far behind the log it is."""

    name: str
    status: Literal["up-to-date", "behind", "failing"]
    position: int
    transaction_id: str
    events_applied: int
    lag_events: int
    lag_seconds: float
    last_error: str | None
    updated_at: datetime | None
    horizon_age_seconds: float


class ProjectorsResponse(Response):
    """Every projector."""

    projectors: list[Projector]


class PlayerLookup(Response):
    """A player found by username (no credentials: never a password hash)."""

    player_id: str
    username: str
    role: str
    stream_id: str
    referral_code: str
    balance: int
    version: int
    inventory: Inventory
    wallet: Wallet = msgspec.field(default_factory=dict)


class ReversalRequest(Request):
    """Undo a transfer of `playerId` with a new, opposite transfer."""

    player_id: PlayerId
    reason: Reason
    metadata: Metadata = msgspec.field(default_factory=dict)


class ReversalResponse(Response):
    """The correcting transfer and the player's wallet after it."""

    transfer_id: str
    reverses: str
    player_id: str
    balance: int
    version: int
    inventory: Inventory
    wallet: Wallet = msgspec.field(default_factory=dict)


class AuditCheck(Response):
    """One invariant and what breaks it (at most 100 findings)."""

    name: str
    ok: bool
    description: str
    findings: list[str]


class AuditResponse(Response):
    """Every check over the whole log."""

    ok: bool
    checks: list[AuditCheck]
    events: int
    streams: int
    seconds: float


class ReplayEvent(Response):
    """One event as stored and the stream's state after it (recomputed, not copied)."""

    version: int
    position: int
    recorded_at: datetime
    type: str
    event: dict[str, Any]
    state_after: dict[str, Any]


class ReplayResponse(Response):
    """A stream's events, oldest first."""

    stream_id: str
    events: list[ReplayEvent]


class RebuildStarted(Response):
    """A rebuild runs in the background; /admin/projectors shows its progress."""

    name: str
    status: Literal["started"]
