"""Request and response bodies of the player's own routes (camelCase on the wire): accounts,
the wallet, gifts and trades. The types every room shares are in api/http/schemas.py."""

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from api.http.schemas import (
    MAX_SAFE_INTEGER,
    Amount,
    Asset,
    Assets,
    CurrencyCode,
    Inventory,
    ItemCode,
    Memo,
    Metadata,
    PriceIndex,
    Quantity,
    Request,
    Response,
    TradeResponse,
    Units,
    Username,
    Wallet,
)

Password = Annotated[str, Meta(min_length=8, max_length=128, description="8-128 characters")]


LoginPassword = Annotated[str, Meta(min_length=1, max_length=128)]


# The shipped game client always sends `referralCode`, as "" when the player typed none: empty,
# blank and null all mean "no code" (SignupRequest.code), and blanks around a code are ignored.
ReferralCode = Annotated[
    str,
    Meta(
        pattern=r"^\s*[A-Za-z0-9]{0,64}\s*$",
        max_length=96,
        description="A player's referral code; empty or blank means none",
        examples=["K7QX2M9PTA", ""],
    ),
]


class SignupRequest(Request):
    """Open a player account; a referral code pays both players a bonus."""

    username: Username
    password: Password
    referral_code: ReferralCode | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)

    @property
    def code(self) -> str | None:
        """The referral code given, or None for an absent, null, empty or blank one."""
        return (self.referral_code or "").strip() or None


class SignupResponse(Response):
    """The new player."""

    user_id: str
    username: str
    referral_code: str
    status: Literal["Created"] = "Created"


AccessTtl = Annotated[
    int,
    Meta(
        ge=1,
        le=MAX_SAFE_INTEGER,
        description="Seconds the access token should last; more than TOKEN_TTL_SECONDS (a day "
        "by default) is cut down to it",
        examples=[300],
    ),
]


RefreshToken = Annotated[str, Meta(min_length=1, max_length=256)]


class LoginRequest(Request):
    """Credentials for a bearer token; `refresh: true` also asks for a rotating refresh token."""

    username: Username
    password: LoginPassword
    refresh: bool = False
    access_ttl: AccessTtl | None = None


class LoginResponse(Response, omit_defaults=True):
    """An access token (for TOKEN_TTL_SECONDS unless `accessTtl` chose less) and, when the login
    asked with `refresh: true` and from POST /token/refresh, a single-use refresh token."""

    token: str
    expires_in: Annotated[int, Meta(description="Seconds until the token expires")]
    # Required, and always "Bearer": with omit_defaults a default would never be sent.
    token_type: Literal["Bearer"]
    # Absent (not null) without refresh, so the original client's answer is unchanged.
    refresh_token: Annotated[
        str | None,
        Meta(description="With `refresh: true`: single use; POST /token/refresh answers the next"),
    ] = None
    refresh_expires_in: Annotated[
        int | None, Meta(description="Seconds until the refresh token expires unless used")
    ] = None


class RefreshRequest(Request):
    """A refresh token for a new pair (the one presented cannot be used again)."""

    refresh_token: RefreshToken
    access_ttl: AccessTtl | None = None


class TopUpRequest(Request):
    """A currency (diamonds by default) from the treasury into the wallet (an empty body tops
    up 100 diamonds)."""

    amount: Amount = 100
    metadata: Metadata = msgspec.field(default_factory=dict)
    currency: CurrencyCode = "diamond"


class TopUpResponse(Response):
    """The wallet after the top-up (`balance` is diamonds, whichever currency was topped up)."""

    transfer_id: str
    balance: int
    version: int
    wallet: Wallet = msgspec.field(default_factory=dict)


class PurchaseRequest(Request):
    """Buy an item of the catalog at one of its price options."""

    item: ItemCode
    quantity: Quantity = 1
    metadata: Metadata = msgspec.field(default_factory=dict)
    price: PriceIndex = 0


class PurchaseResponse(Response):
    """The wallet after the purchase."""

    transfer_id: str
    balance: int
    version: int
    inventory: Inventory
    wallet: Wallet = msgspec.field(default_factory=dict)


class TransferRequest(Request):
    """A gift to another player."""

    to: Username
    asset: Asset
    amount: Units
    memo: Memo | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class TransferResponse(Response):
    """The sender's wallet after the gift."""

    transfer_id: str
    balance: int
    version: int
    inventory: Inventory
    wallet: Wallet = msgspec.field(default_factory=dict)


class TradeRequest(Request):
    """Offer `give` (escrowed at once) to another player for `want`."""

    to: Username
    give: Assets
    want: Assets
    expires_in: (
        Annotated[
            int,
            Meta(ge=1, le=MAX_SAFE_INTEGER, description="Seconds until the offer expires (a day)"),
        ]
        | None
    ) = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class TradeList(Response):
    """The caller's trades, both directions, newest first."""

    trades: list[TradeResponse]
