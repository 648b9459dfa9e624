"""Bodies of the catalog's routes: GET /items, POST /items/{code}/use (camelCase on the wire)."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.http.schemas import Inventory, Metadata, Quantity, Request, Response, Wallet


class UseRequest(Request):
    """Use items of the inventory (an empty body uses one)."""

    quantity: Quantity = 1
    metadata: Metadata = msgspec.field(default_factory=dict)


class UseResponse(Response):
    """What the items granted, and the wallet after."""

    transfer_id: str
    granted: Annotated[dict[str, int], Meta(description="Count per item code granted")]
    balance: int
    version: int
    inventory: Inventory
    wallet: Wallet


class DropOdds(Response):
    """One outcome of a drop table and its published odds."""

    weight: int
    probability: Annotated[float, Meta(description="weight / total weight")]
    grants: dict[str, int]


class OnUseView(Response, omit_defaults=True):
    """What using one item grants: fixed grants, or one of the drops."""

    grants: dict[str, int] | None = None
    drops: list[DropOdds] | None = None


class LimitView(Response):
    """At most `perPlayer` purchases per player in each calendar window (UTC)."""

    per_player: int
    window: Annotated[
        Literal["lifetime", "day", "week"],
        Meta(description="day: from 00:00 UTC; week: from Monday 00:00 UTC"),
    ]


class CatalogItem(Response):
    """An item of the shop."""

    code: str
    name: str
    price: Annotated[
        int | None, Meta(description="The first option's diamonds, when it is diamonds only")
    ]
    inventory_key: str
    prices: Annotated[
        list[dict[str, int]], Meta(description="Price options, each currency -> amount per unit")
    ] = msgspec.field(default_factory=list)
    grants: Annotated[
        dict[str, int], Meta(description="A bundle: the items one purchase credits")
    ] = msgspec.field(default_factory=dict)
    on_use: OnUseView | None = None
    sellable: bool = True
    available_from: Annotated[
        datetime | None, Meta(description="On offer from this time (UTC); null: always was")
    ] = None
    available_until: Annotated[
        datetime | None, Meta(description="On offer until just before this time; null: no end")
    ] = None
    limit: LimitView | None = None
    # With a player's token, for a limited item only:
    remaining: Annotated[
        int | UnsetType,
        Meta(description="With a player's token: how many more the player may buy now"),
    ] = UNSET
    resets_at: Annotated[
        datetime | UnsetType | None,
        Meta(description="With a player's token: when the count starts again; null: never"),
    ] = UNSET


class CurrencyView(Response):
    """A currency of the catalog."""

    code: str
    name: str


class CatalogResponse(Response):
    """The shop: `currency` is the default one (diamond); every currency is listed."""

    currency: str
    items: list[CatalogItem]
    currencies: list[CurrencyView] = msgspec.field(default_factory=list)
    version: int = 0
