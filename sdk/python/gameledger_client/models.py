"""The API's types, generated from /schema/openapi.json by sdk/python/codegen.py.

Do not edit: `make sdk` regenerates this file, and tests/sdk/test_python_sdk.py fails when it
differs from the service's live OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec


class Model(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """Base of every generated type: camelCase on the wire, defaults left out of requests."""


class AppleNotification(Model, kw_only=True):
    signed_payload: str


class AppleReceipt(Model, kw_only=True):
    # A compact JWS
    signed_transaction: str


class AppliedResponse(Model, kw_only=True):
    seeded: list[str]
    version: int


class AssetSupply(Model, kw_only=True):
    asset: str
    circulating: int
    genesis: int | None
    inflow: int
    inflow_credited: int
    shards: int
    supply: int
    treasury: int
    updated_at: datetime


class AuditCheck(Model, kw_only=True):
    description: str
    findings: list[str]
    name: str
    ok: bool


class AuditResponse(Model, kw_only=True):
    checks: list[AuditCheck]
    events: int
    ok: bool
    seconds: float
    streams: int


class BalanceAtResponse(Model, kw_only=True):
    # When that event occurred (null before signup)
    as_of: datetime | None
    at: datetime | None = None
    balance: int
    # Every asset's balance then, by code
    balances: dict[str, int]
    # Not known for the past: always null
    held: None = None
    # Count per catalog item, keyed by the camelCase plural of its code (gold_coin -> goldCoins);
    # every item is present, zeros included
    inventory: dict[str, int]
    referral_code: str
    # True when the newest entries may not be projected yet
    stale: bool = False
    username: str
    # The last event at or before; 0 before signup
    version: int


class BalanceResponse(Model, kw_only=True):
    balance: int
    # Refunded store currency the player had already spent, per currency: repaid first from the next
    # top-ups, grants and store credits
    debt: dict[str, int] | None = None
    energies: dict[str, EnergyBalance] | None = None
    # What pending holds and open trade offers set aside, per asset code (not in `balance` or
    # `inventory`, which are what the player can spend now)
    held: dict[str, int] | None = None
    # Count per catalog item, keyed by the camelCase plural of its code (gold_coin -> goldCoins);
    # every item is present, zeros included
    inventory: dict[str, int]
    # Per currency that expires, its lots, soonest expiry first: spends take the soonest first, and
    # the currency's balance is the sum of its lots
    lots: dict[str, list[LotEntry]] | None = None
    referral_code: str
    username: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int] | None = None


class BatchRequest(Model, kw_only=True):
    atomic: bool = False
    transfers: list[BatchTransfer]


class BatchResponse(Model, kw_only=True):
    applied: int
    failed: int
    replayed: int
    results: list[BatchResult]


class BatchResult(Model, kw_only=True):
    balance: int | None = None
    index: int
    problem: dict[str, Any] | None = None
    status: Literal["ok", "replayed", "error"]
    transfer_id: str | None = None
    version: int | None = None
    # Balance per catalog currency, zeros included
    wallet: dict[str, int] | None = None


class BatchTransfer(Model, kw_only=True):
    # Diamonds, at most TOP_UP_MAX (10000)
    amount: int | None = None
    # A catalog currency
    currency: str = "diamond"
    # RFC 3339 with a zone: when this credit expires (a lot of its own, given back to the treasury
    # then), over the currency's own expiresAfterSeconds
    expires_at: datetime | None = None
    idempotency_key: str | None = None
    item: str | None = None
    kind: Literal["top_up", "purchase"]
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    player_id: str
    # Which of the item's price options (default the first)
    price: int = 0
    # Items, at most MAX_QUANTITY (10000)
    quantity: int = 1


class CaptureRequest(Model, kw_only=True):
    # Units of the asset (diamonds or items)
    amount: int | None = None
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # Why (in history); required of an admin closing a hold it did not place
    reason: str | None = None


class CatalogItem(Model, kw_only=True):
    # On offer from this time (UTC); null: always was
    available_from: datetime | None = None
    # On offer until just before this time; null: no end
    available_until: datetime | None = None
    code: str
    # A bundle: the items one purchase credits
    grants: dict[str, int] | None = None
    inventory_key: str
    limit: LimitView | None = None
    name: str
    on_use: OnUseView | None = None
    # The first option's diamonds, when it is diamonds only
    price: int | None
    # Price options, each currency -> amount per unit
    prices: list[dict[str, int]] | None = None
    # With a player's token: how many more the player may buy now
    remaining: int | None = None
    # With a player's token: when the count starts again; null: never
    resets_at: datetime | None = None
    sellable: bool = True


class CatalogResponse(Model, kw_only=True):
    currencies: list[CurrencyView] | None = None
    currency: str
    items: list[CatalogItem]
    version: int = 0


class ClawbackAccepted(Model, kw_only=True):
    clawback_id: str
    status: Literal["running"]
    total: int


class ClawbackDryRun(Model, kw_only=True):
    effects: list[ClawbackEffect]
    players: int
    transfers: int


class ClawbackEffect(Model, kw_only=True):
    asset: str
    debt: int
    player: str
    reverse: int


class ClawbackFilterBody(Model, kw_only=True):
    asset: str | None = None
    code: str | None = None
    from_: datetime | None = None
    metadata: dict[str, str] | None = None
    players: list[str] | None = None
    to: datetime | None = None


class ClawbackRequest(Model, kw_only=True):
    dry_run: bool = False
    filter: ClawbackFilterBody
    reason: str


class ClawbackStatus(Model, kw_only=True):
    clawback_id: str
    debt_created: dict[str, int]
    done: int
    # Could not be reversed (status `failed`)
    refused: int
    # Already reversed by someone else
    skipped: int
    status: Literal["running", "done", "failed"]
    total: int


class CurrencyReport(Model, kw_only=True):
    currency: str
    granted: Pair
    net_supply_change: Pair
    spent: Pair


class CurrencyView(Model, kw_only=True):
    code: str
    name: str


class DeliveryList(Model, kw_only=True):
    deliveries: list[WebhookDelivery]


class DropOdds(Model, kw_only=True):
    grants: dict[str, int]
    # weight / total weight
    probability: float
    weight: int


class EconomyResponse(Model, kw_only=True):
    assets: list[AssetSupply]
    shards: list[Shard]
    # Diamonds held by the treasury
    treasury_balance: int


class EnergyBalance(Model, kw_only=True):
    current: int
    full_at: datetime | None
    max: int
    modifiers: list[ModifierShown]
    next_refill_at: datetime | None


class EnergyEntry(Model, kw_only=True):
    amount: int
    credited: int | None = None
    energy: str
    modifier: ModifierEntry | None = None
    refilled: int = 0
    started: int = 0
    unlimited: bool = False


class EnergyState(Model, kw_only=True):
    code: str
    current: int
    full_at: datetime | None
    max: int
    next_refill_at: datetime | None


class Escrow(Model, kw_only=True):
    holds: list[PendingHold]
    trades: list[TradeResponse]


class FreezeRequest(Model, kw_only=True):
    reason: str
    scope: Literal["asset", "player", "operation"]
    # An asset code, a username or an operation (GET /admin/freezes lists them)
    target: str


class FreezeResponse(Model, kw_only=True):
    created_at: datetime
    created_by: str
    freeze_id: str
    lift_reason: str | None = None
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    reason: str
    scope: Literal["asset", "player", "operation"]
    target: str


class FreezesResponse(Model, kw_only=True):
    freezes: list[FreezeResponse]
    operations: list[str]


class GoogleReceipt(Model, kw_only=True):
    purchase_data: str
    # base64
    signature: str


class GrantRequest(Model, kw_only=True):
    # Units of the asset (diamonds or items)
    amount: int
    # A catalog currency
    currency: str = "diamond"
    energy: str | None = None
    # RFC 3339 with a zone: when this credit expires (a lot of its own, given back to the treasury
    # then), over the currency's own expiresAfterSeconds
    expires_at: datetime | None = None
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    modifier: ModifierRequest | None = None
    # 3-32 of letters, digits, '_', '.' or '-'
    player: str
    # Why (in history)
    reason: str | None = None


class GrantResponse(Model, kw_only=True):
    balance: int
    energy: EnergyState | None = None
    player: str
    transfer_id: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int]


class HealthResponse(Model, kw_only=True):
    database: Literal["CONNECTED", "DOWN"]
    status: Literal["UP", "DOWN"]


class HistoryEntry(Model, kw_only=True):
    balance_after: int
    code: str
    # The other player's username (gifts, trades)
    counterparty: str | None = None
    # An energy spend's or grant's details (issue 23)
    energy: EnergyEntry | None = None
    hold_id: str | None = None
    item: str | None = None
    legs: list[Leg]
    memo: str | None = None
    # The labels the write was given (`metadata`)
    metadata: dict[str, str] | None = None
    occurred_at: datetime
    quantity: int | None = None
    reason: str | None = None
    reverses: str | None = None
    state_after: dict[str, int]
    trade_id: str | None = None
    transfer_id: str
    version: int


class HistoryPage(Model, kw_only=True):
    entries: list[HistoryEntry]
    next_cursor: str | None = None
    # True when the newest entries may not be projected yet
    stale: bool = False


class HoldList(Model, kw_only=True):
    holds: list[HoldResponse]
    next_cursor: str | None = None


class HoldRequest(Model, kw_only=True):
    # Units of the asset (diamonds or items)
    amount: int
    # `diamond` or an item code
    asset: str
    # Seconds from now
    expires_in: int
    # Up to 140 characters
    memo: str | None = None
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # 3-32 of letters, digits, '_', '.' or '-'
    player: str


class HoldResponse(Model, kw_only=True):
    amount: int
    asset: str
    captured: int | None = None
    expires_at: datetime
    hold_id: str
    memo: str | None = None
    player: str
    status: Literal["pending", "captured", "voided", "expired"]


class ItemReport(Model, kw_only=True):
    bought: Pair
    item: str
    unaffordable: int


class Leg(Model, kw_only=True):
    account: str
    amount: int
    asset: str


class LiftRequest(Model, kw_only=True):
    reason: str


class LimitView(Model, kw_only=True):
    per_player: int
    # day: from 00:00 UTC; week: from Monday 00:00 UTC
    window: Literal["lifetime", "day", "week"]


class LoginRequest(Model, kw_only=True):
    # Seconds the access token should last; more than TOKEN_TTL_SECONDS (a day by default) is cut
    # down to it
    access_ttl: int | None = None
    password: str
    refresh: bool = False
    # 3-32 of letters, digits, '_', '.' or '-'
    username: str


class LoginResponse(Model, kw_only=True):
    # Seconds until the token expires
    expires_in: int
    # Seconds until the refresh token expires unless used
    refresh_expires_in: int | None = None
    # With `refresh: true`: single use; POST /token/refresh answers the next
    refresh_token: str | None = None
    token: str
    token_type: Literal["Bearer"]


class LotEntry(Model, kw_only=True):
    amount: int
    # RFC 3339, UTC; null for what never expires (spent last)
    expires_at: str | None


class ModifierEntry(Model, kw_only=True):
    ends_at: datetime
    factor: int = 1
    kind: str
    starts_at: datetime


class ModifierRequest(Model, kw_only=True):
    # refillFaster's divisor
    factor: int = 2
    kind: Literal["unlimited", "refillFaster"]
    # Seconds from now
    seconds: int


class ModifierShown(Model, kw_only=True):
    ends_at: datetime
    factor: int | None = None
    kind: Literal["unlimited", "refillFaster"]
    starts_at: datetime


class MonitorRequest(Model, kw_only=True):
    action: Literal["alert", "freeze"]
    name: str
    rule: Rule


class MonitorResponse(Model, kw_only=True):
    action: Literal["alert", "freeze"]
    created_at: datetime
    created_by: str
    fired: int = 0
    fired_at: datetime | None = None
    firing: list[str] | None = None
    last_value: int | None = None
    monitor_id: str
    name: str
    rule: RuleView
    state: Literal["ok", "firing"] = "ok"


class MonitorsResponse(Model, kw_only=True):
    monitors: list[MonitorResponse]


class NotificationAnswer(Model, kw_only=True):
    outcome: Literal["refunded", "ignored"]
    transfer_id: str | None = None


class OnUseView(Model, kw_only=True):
    drops: list[DropOdds] | None = None
    grants: dict[str, int] | None = None


class Pair(Model, kw_only=True):
    candidate: int
    now: int


class PayoutItem(Model, kw_only=True):
    # Units of the asset (diamonds or items)
    amount: int
    # 3-32 of letters, digits, '_', '.' or '-'
    to: str


class PendingHold(Model, kw_only=True):
    amount: int
    asset: str
    expires_at: datetime
    hold_id: str
    memo: str | None = None
    player: str | None


class PlayerLookup(Model, kw_only=True):
    balance: int
    # Count per catalog item, keyed by the camelCase plural of its code (gold_coin -> goldCoins);
    # every item is present, zeros included
    inventory: dict[str, int]
    player_id: str
    referral_code: str
    role: str
    stream_id: str
    username: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int] | None = None


class Problem(Model, kw_only=True):
    detail: str = ""
    error: str = ""
    status: int
    title: str
    type: str


class Projector(Model, kw_only=True):
    events_applied: int
    horizon_age_seconds: float
    lag_events: int
    lag_seconds: float
    last_error: str | None
    name: str
    position: int
    status: Literal["up-to-date", "behind", "failing"]
    transaction_id: str
    updated_at: datetime | None


class ProjectorsResponse(Model, kw_only=True):
    projectors: list[Projector]


class PurchaseRequest(Model, kw_only=True):
    item: str
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # Which of the item's price options (default the first)
    price: int = 0
    # Items, at most MAX_QUANTITY (10000)
    quantity: int = 1


class PurchaseResponse(Model, kw_only=True):
    balance: int
    # Count per catalog item, keyed by the camelCase plural of its code (gold_coin -> goldCoins);
    # every item is present, zeros included
    inventory: dict[str, int]
    transfer_id: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int] | None = None


class RatePoint(Model, kw_only=True):
    minute: datetime
    transfers: int


class RateResponse(Model, kw_only=True):
    points: list[RatePoint]


class Readiness(Model, kw_only=True):
    database: str
    migrations_pending: list[str]
    projectors_stalled: list[str]
    ready: bool


class RebuildStarted(Model, kw_only=True):
    name: str
    status: Literal["started"]


class ReceiptResponse(Model, kw_only=True):
    balance: int
    product_id: str
    receipt_id: str
    store: str
    transfer_id: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int]


class RefreshRequest(Model, kw_only=True):
    # Seconds the access token should last; more than TOKEN_TTL_SECONDS (a day by default) is cut
    # down to it
    access_ttl: int | None = None
    refresh_token: str


class RefundAnswer(Model, kw_only=True):
    balances: dict[str, int]
    player_id: str
    transfer_id: str


class RefundRequest(Model, kw_only=True):
    reason: str = "google refund"


class ReplayEvent(Model, kw_only=True):
    event: dict[str, Any]
    position: int
    recorded_at: datetime
    state_after: dict[str, Any]
    type: str
    version: int


class ReplayResponse(Model, kw_only=True):
    events: list[ReplayEvent]
    stream_id: str


class ReversalRequest(Model, kw_only=True):
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    player_id: str
    reason: str


class ReversalResponse(Model, kw_only=True):
    balance: int
    # Count per catalog item, keyed by the camelCase plural of its code (gold_coin -> goldCoins);
    # every item is present, zeros included
    inventory: dict[str, int]
    player_id: str
    reverses: str
    transfer_id: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int] | None = None


class Rule(Model, kw_only=True):
    asset: str | None = None
    # transfers_rate: count only this code
    code: str | None = None
    kind: Literal["supply_growth", "player_inflow", "transfers_rate", "treasury_low"]
    threshold: int
    window_seconds: int


class RuleView(Model, kw_only=True):
    asset: str | None = None
    code: str | None = None
    kind: Literal["supply_growth", "player_inflow", "transfers_rate", "treasury_low"]
    threshold: int
    window_seconds: int


class SettlementRequest(Model, kw_only=True):
    holds: list[str]
    # Up to 140 characters
    memo: str | None = None
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    payouts: list[PayoutItem]
    # Why (in history); required of an admin closing a hold it did not place
    reason: str | None = None


class SettlementResponse(Model, kw_only=True):
    paid: int
    pot: int
    rake: int
    settlement_id: str
    transfer_id: str


class Shard(Model, kw_only=True):
    account: str
    balance: int
    budget: int
    index: int
    version: int


class SignupRequest(Model, kw_only=True):
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # 8-128 characters
    password: str
    # A player's referral code; empty or blank means none
    referral_code: str | None = None
    # 3-32 of letters, digits, '_', '.' or '-'
    username: str


class SignupResponse(Model, kw_only=True):
    referral_code: str
    status: Literal["Created"] = "Created"
    user_id: str
    username: str


class SpendEnergyRequest(Model, kw_only=True):
    # Energy units, at most MAX_QUANTITY
    amount: int
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None


class SpendEnergyResponse(Model, kw_only=True):
    energy: EnergyState
    transfer_id: str
    version: int


class SupplyPoint(Model, kw_only=True):
    at: datetime
    candidate: int
    now: int


class TopUpRequest(Model, kw_only=True):
    # Diamonds, at most TOP_UP_MAX (10000)
    amount: int = 100
    # A catalog currency
    currency: str = "diamond"
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None


class TopUpResponse(Model, kw_only=True):
    balance: int
    transfer_id: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int] | None = None


class TradeList(Model, kw_only=True):
    trades: list[TradeResponse]


class TradeRequest(Model, kw_only=True):
    # Seconds until the offer expires (a day)
    expires_in: int | None = None
    # Units per asset code (`diamond` or item codes)
    give: dict[str, int]
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # 3-32 of letters, digits, '_', '.' or '-'
    to: str
    # Units per asset code (`diamond` or item codes)
    want: dict[str, int]


class TradeResponse(Model, kw_only=True):
    expires_at: datetime
    from_: str
    give: dict[str, int]
    status: Literal["open", "accepted", "declined", "cancelled", "expired"]
    to: str
    trade_id: str
    want: dict[str, int]


class TransferRequest(Model, kw_only=True):
    # Units of the asset (diamonds or items)
    amount: int
    # `diamond` or an item code
    asset: str
    # Up to 140 characters
    memo: str | None = None
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # 3-32 of letters, digits, '_', '.' or '-'
    to: str


class TransferResponse(Model, kw_only=True):
    balance: int
    # Count per catalog item, keyed by the camelCase plural of its code (gold_coin -> goldCoins);
    # every item is present, zeros included
    inventory: dict[str, int]
    transfer_id: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int] | None = None


class UseRequest(Model, kw_only=True):
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # Items, at most MAX_QUANTITY (10000)
    quantity: int = 1


class UseResponse(Model, kw_only=True):
    balance: int
    # Count per item code granted
    granted: dict[str, int]
    # Count per catalog item, keyed by the camelCase plural of its code (gold_coin -> goldCoins);
    # every item is present, zeros included
    inventory: dict[str, int]
    transfer_id: str
    version: int
    # Balance per catalog currency, zeros included
    wallet: dict[str, int]


class VoidRequest(Model, kw_only=True):
    # Labels stored on the write's events and shown in history and replay: at most 16 keys matching
    # ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 characters (`GET
    # /history?meta.KEY=VALUE` finds them)
    metadata: dict[str, str] | None = None
    # Why (in history); required of an admin closing a hold it did not place
    reason: str | None = None


class WebhookDelivery(Model, kw_only=True):
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    endpoint_id: str
    event_id: str
    event_type: str
    id: int
    last_error: str | None
    last_status: int | None
    next_attempt_at: datetime
    status: str
    url: str


class WebhookEndpoint(Model, kw_only=True):
    created_at: datetime
    description: str | None
    disabled_reason: str | None
    enabled: bool
    events: list[str]
    # Deliveries are of the events at or after this log position
    from_position: int
    id: str
    secret: str
    url: str


class WebhookList(Model, kw_only=True):
    endpoints: list[WebhookEndpoint]


class WebhookRequest(Model, kw_only=True):
    description: str | None = None
    events: list[str]
    # Where deliveries begin: "end" (default), "beginning" or a log position
    from_: Literal["beginning", "end"] | int = "end"
    url: str


class WhatIfRequest(Model, kw_only=True):
    catalog: dict[str, Any]
    from_: datetime | None = None
    to: datetime | None = None


class WhatIfResponse(Model, kw_only=True):
    currencies: list[CurrencyReport]
    items: list[ItemReport]
    purchases: int
    supply: dict[str, list[SupplyPoint]]
    transfers: int
    uses: int
