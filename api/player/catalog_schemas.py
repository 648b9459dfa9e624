"""Bodies of the catalog's routes: GET /items, POST /items/{code}/use (camelCase on the wire)."""

from typing import Annotated

import msgspec
from msgspec import Meta

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
