"""The catalog: what the shop sells, at which prices, with the published odds of every drop
table (public); and using items of the inventory (player)."""

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody
from msgspec.structs import asdict

from api.http.problems import responses
from api.http.rooms import PlayerRoom
from api.http.schemas import ItemCode, inventory, inventory_key
from api.http.services import Svc
from api.http.writes import Write, write_route
from api.player.catalog_schemas import (
    CatalogItem,
    CatalogResponse,
    CurrencyView,
    DropOdds,
    OnUseView,
    UseRequest,
    UseResponse,
)
from domain import assets
from domain.assets import CURRENCY
from domain.commands import UseItem


class CatalogController(Controller):
    """The item catalog with prices."""

    path = "/items"
    tags = ["catalog"]  # noqa: RUF012 - Litestar reads these class attributes
    # A live catalog change shows within a second everywhere, so caches keep it only briefly.
    cache_control = CacheControlHeader(max_age=1, public=True)

    @get("/", summary="The shop's items, prices and drop odds", responses=responses())
    async def items(self, services: Svc) -> CatalogResponse:
        """Every item with its price options, bundle contents, what using it grants (with the
        odds of each drop) and its inventory key; and every currency."""
        catalog = services.catalog
        return CatalogResponse(
            currency=CURRENCY,
            items=[_item(item) for item in catalog.items],
            currencies=[CurrencyView(code=c.code, name=c.name) for c in catalog.currencies],
            version=catalog.version,
        )


class ItemUseController(PlayerRoom):
    """Using items of the authenticated player's inventory."""

    path = "/items"
    tags = ["catalog"]  # noqa: RUF012

    @write_route("/{code:str}/use", status_code=200, refuses=(400, 401, 404, 409, 413, 422))
    async def use(
        self, write: Write, code: ItemCode, data: JSONBody[UseRequest | None] = None
    ) -> UseResponse:
        """Use items: burn them for what they grant

        Burn `quantity` (1 when the body is empty) of the item and credit what its `onUse`
        grants (a drop table rolls once per item), in one transfer."""
        body = asdict(data or UseRequest())
        result = await write.handle(UseItem(player_id=write.player_id, item=code, **body))
        services = write.services
        return UseResponse(
            transfer_id=result.transfer_id,
            granted=result.granted,
            balance=result.balances.get(CURRENCY, 0),
            version=result.version,
            inventory=inventory(result.balances, services.item_codes),
            wallet=services.wallet(result.balances),
        )


def _item(item: assets.CatalogItem) -> CatalogItem:
    options = item.options()
    first = options[0] if options else {}
    return CatalogItem(
        code=item.code,
        name=item.name,
        price=first[CURRENCY] if set(first) == {CURRENCY} else None,
        inventory_key=inventory_key(item.code),
        prices=[dict(option) for option in options],
        grants=dict(item.grants),
        on_use=_on_use(item.on_use),
        sellable=item.sellable,
    )


def _on_use(use: assets.OnUse | None) -> OnUseView | None:
    if use is None:
        return None
    if use.drops is None:
        return OnUseView(grants=dict(use.grants or {}))
    total = use.total_weight
    return OnUseView(
        drops=[
            DropOdds(weight=d.weight, probability=d.weight / total, grants=dict(d.grants))
            for d in use.drops
        ]
    )
