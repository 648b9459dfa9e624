"""Request and response bodies of the game-facing API (camelCase on the wire).

Requests forbid unknown fields and are decoded strictly (see `api.http.body`): `"100"`, `100.0` and
`true` are not integers, so they are refused with 400 instead of being coerced.
"""

import functools
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from api.http.energies import EnergyBalance
from domain.assets import AssetCode
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


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class Request(msgspec.Struct, gc=False, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    """Base of request bodies."""


class Response(msgspec.Struct, gc=False, kw_only=True, rename="camel"):
    """Base of response bodies."""


class LotEntry(Response):
    """What is left of one credit of an expiring currency, and when it expires."""

    amount: int
    expires_at: Annotated[
        str | None, Meta(description="RFC 3339, UTC; null for what never expires (spent last)")
    ]


Lots = Annotated[
    dict[str, list[LotEntry]],
    Meta(
        description="Per currency that expires, its lots, soonest expiry first: spends take "
        "the soonest first, and the currency's balance is the sum of its lots",
        examples=[{"event_token": [{"amount": 40, "expiresAt": "2026-12-08T09:00:00Z"}]}],
    ),
]


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
    # Every catalog energy at the request's time (api/http/energies.py)
    energies: dict[str, EnergyBalance] = msgspec.field(default_factory=dict)
    lots: Lots = msgspec.field(default_factory=dict)


class HistoryPage(Response):
    """Newest first; pass `nextCursor` as `cursor` for the next (older) page."""

    entries: list[HistoryEntry]
    next_cursor: str | None = None
    stale: Annotated[
        bool, Meta(description="True when the newest entries may not be projected yet")
    ] = False


# Shared by the rooms: a gift, a hold and a trade name assets and units alike; a trade is
# answered the same to its players and to the operator (api/ops/escrow.py).
Memo = Annotated[str, Meta(max_length=140, description="Up to 140 characters")]


Units = Annotated[
    int, Meta(ge=1, le=MAX_SAFE_INTEGER, description="Units of the asset (diamonds or items)")
]


Asset = Annotated[AssetCode, Meta(description="`diamond` or an item code", examples=["diamond"])]


Assets = Annotated[
    dict[AssetCode, Units],
    Meta(
        min_length=1,
        max_length=16,
        description="Units per asset code (`diamond` or item codes)",
        examples=[{"gold_coin": 2}],
    ),
]


TradeStatus = Literal["open", "accepted", "declined", "cancelled", "expired"]


class TradeResponse(Response):
    """A trade and where it stands (`from` offered it to `to`)."""

    trade_id: str
    status: TradeStatus
    from_: str = msgspec.field(name="from")
    to: str
    give: dict[str, int]
    want: dict[str, int]
    expires_at: datetime


# Called with the catalog's item codes only, for every answer that shows a wallet.
@functools.lru_cache(maxsize=4096)
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
