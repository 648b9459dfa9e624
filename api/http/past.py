"""Balances in the past: `GET /balance?at=|version=` for the player, the same for operators.

The answer is the state after the last event at or before the time or version
(projections/past.py: one index probe). Pending holds of then are not reconstructed, so the
answer's `held` is null; `balances` lists every asset the wallet had moved.
"""

from datetime import datetime
from typing import Annotated

from litestar.params import QueryParameter
from msgspec import Meta

from api.http.filters import invalid, timestamp
from api.http.schemas import MAX_SAFE_INTEGER, Inventory, Response, inventory
from api.http.services import Reader, Services
from domain import accounts
from domain.assets import CURRENCY
from projections.past import PastWallet, wallet_at

At = Annotated[
    str | None,
    QueryParameter(
        name="at",
        required=False,
        description="An RFC 3339 time: the wallet after the last event at or before it",
    ),
]
Version = Annotated[
    int | None,
    QueryParameter(
        name="version",
        required=False,
        ge=1,
        le=MAX_SAFE_INTEGER,
        description="A version of the player's stream: the wallet after it",
    ),
]


class BalanceAtResponse(Response):
    """The wallet as it was after event `version` of the player's stream."""

    username: str
    balance: int
    version: Annotated[int, Meta(description="The last event at or before; 0 before signup")]
    referral_code: str
    inventory: Inventory
    balances: Annotated[dict[str, int], Meta(description="Every asset's balance then, by code")]
    as_of: Annotated[
        datetime | None, Meta(description="When that event occurred (null before signup)")
    ]
    at: datetime | None = None
    # Always null: pending holds of the past are not reconstructed (and the null keeps this
    # answer from also matching BalanceResponse, whose `held` is an object, in the OpenAPI oneOf).
    held: Annotated[None, Meta(description="Not known for the past: always null")] = None
    stale: Annotated[
        bool, Meta(description="True when the newest entries may not be projected yet")
    ] = False


def point(at: str | None, version: int | None) -> datetime | None:
    """The `at` parameter as a time, refusing `at` and `version` together."""
    if at is not None and version is not None:
        raise invalid("at", "Give at or version, not both.")
    return timestamp("at", at)


def answer(wallet: PastWallet, services: Services, at: datetime | None) -> BalanceAtResponse:
    """The wire form of a past wallet."""
    return BalanceAtResponse(
        username=wallet.username,
        balance=wallet.balances.get(CURRENCY, 0),
        version=wallet.version,
        referral_code=wallet.referral_code,
        inventory=inventory(wallet.balances, services.item_codes),
        balances=wallet.balances,
        as_of=wallet.as_of,
        at=at,
        stale=wallet.stale,
    )


async def balance_at(
    read: Reader, services: Services, player_id: str, at: str | None, version: int | None
) -> BalanceAtResponse:
    """The wallet of `player_id` after the last event at or before `at` or `version`."""
    when = point(at, version)
    async with read.connection(*accounts.wallet_streams(player_id)) as conn:
        wallet = await wallet_at(conn, player_id, version=version, at=when)
    return answer(wallet, services, when)
