"""Request and response bodies of the game-facing API (camelCase on the wire).

Requests forbid unknown fields and are decoded strictly (see `api.body`): `"100"`, `100.0` and
`true` are not integers, so they are refused with 400 instead of being coerced.
"""

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from projections.views import HistoryEntry

# The largest integer a JavaScript client holds exactly; the ledger's own limits are tighter
# (TOP_UP_MAX, MAX_QUANTITY) and are enforced by the domain with a 400 naming the bounds.
MAX_SAFE_INTEGER = 2**53 - 1

Username = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9_.\-]{3,32}$",
        description="3-32 of letters, digits, '_', '.' or '-'",
        examples=["alice"],
    ),
]
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
Amount = Annotated[
    int, Meta(ge=1, le=MAX_SAFE_INTEGER, description="Diamonds, at most TOP_UP_MAX (10000)")
]
Quantity = Annotated[
    int, Meta(ge=1, le=MAX_SAFE_INTEGER, description="Items, at most MAX_QUANTITY (10000)")
]
ItemCode = Annotated[str, Meta(min_length=1, max_length=64, examples=["gold_coin"])]
# The caller's labels for a write; the rules (domain/metadata.py) are checked by the pipeline,
# whose refusal names the key or the value at fault.
Metadata = Annotated[
    dict[str, str],
    Meta(
        description="Labels stored on the write's events and shown in history and replay: at "
        "most 16 keys matching ^[a-zA-Z][a-zA-Z0-9_]{0,31}$, string values of at most 256 "
        "characters (`GET /history?meta.KEY=VALUE` finds them)",
        examples=[{"matchId": "m-2041", "storeOrder": "GPA.3345-1"}],
    ),
]
CurrencyCode = Annotated[
    str,
    Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="A catalog currency", examples=["star"]),
]
PriceIndex = Annotated[
    int, Meta(ge=0, le=1000, description="Which of the item's price options (default the first)")
]
Wallet = Annotated[
    dict[str, int],
    Meta(
        description="Balance per catalog currency, zeros included",
        examples=[{"diamond": 90, "star": 500}],
    ),
]
Inventory = Annotated[
    dict[str, int],
    Meta(
        description="Count per catalog item, keyed by the camelCase plural of its code "
        "(gold_coin -> goldCoins); every item is present, zeros included",
        examples=[{"goldCoins": 0, "treasureBoxes": 1}],
    ),
]


class Request(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    """Base of request bodies."""


class Response(msgspec.Struct, kw_only=True, rename="camel"):
    """Base of response bodies."""


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
    """The wallet after the top-up."""

    transfer_id: str
    balance: int
    version: int


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


class BalanceResponse(Response):
    """The player's wallet, reflecting at least the player's own latest write."""

    username: str
    balance: int
    version: int
    referral_code: str
    inventory: Inventory
    wallet: Wallet = msgspec.field(default_factory=dict)
    held: Annotated[
        dict[str, int],
        Meta(
            description="What pending holds and open trade offers set aside, per asset code "
            "(not in `balance` or "
            "`inventory`, which are what the player can spend now)",
            examples=[{"diamond": 100}],
        ),
    ] = msgspec.field(default_factory=dict)
    debt: Annotated[
        dict[str, int],
        Meta(
            description="Refunded store currency the player had already spent, per currency: "
            "repaid first from the next top-ups, grants and store credits",
            examples=[{"diamond": 70}],
        ),
    ] = msgspec.field(default_factory=dict)


class HistoryPage(Response):
    """Newest first; pass `nextCursor` as `cursor` for the next (older) page."""

    entries: list[HistoryEntry]
    next_cursor: str | None = None
    stale: Annotated[
        bool, Meta(description="True when the newest entries may not be projected yet")
    ] = False


class HealthResponse(Response):
    """Liveness of the service and its database."""

    status: Literal["UP", "DOWN"]
    database: Literal["CONNECTED", "DOWN"]


def inventory_key(code: str) -> str:
    """The game client's key for an item: camelCase plural (treasure_box -> treasureBoxes)."""
    words = code.split("_")
    words[-1] = _plural(words[-1])
    return words[0] + "".join(word.capitalize() for word in words[1:])


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if len(word) > 1 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def inventory(balances: dict[str, int], item_codes: tuple[str, ...]) -> dict[str, int]:
    """Every catalog item's count (zeros included) under the game client's keys."""
    return {inventory_key(code): balances.get(code, 0) for code in item_codes}
