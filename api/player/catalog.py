"""The catalog: what the shop sells, at which prices, with the published odds of every drop
table (public); and using items of the inventory (player)."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import JSONBody
from msgspec.structs import asdict

from api.http.auth import principal_of
from api.http.problems import responses
from api.http.rooms import BEARER, PlayerRoom
from api.http.schemas import ItemCode, inventory, inventory_key
from api.http.services import Svc
from api.http.writes import Write, write_route
from api.player.catalog_schemas import (
    CatalogItem,
    CatalogResponse,
    CurrencyView,
    DropOdds,
    LimitView,
    OnUseView,
    UseRequest,
    UseResponse,
)
from domain import accounts, assets, offers
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY
from domain.commands import UseItem
from domain.offers import OfferCount
from domain.state import player_state
from infra import eventstore
from infra.db import connection

# A live catalog change shows within a second everywhere, so caches keep it only briefly; a
# player's own counts are not kept at all.
_CACHED = {"Cache-Control": "max-age=1, public", "Vary": "Authorization"}
_PERSONAL = {"Cache-Control": "private, no-store", "Vary": "Authorization"}


class CatalogController(Controller):
    """The item catalog with prices."""

    path = "/items"
    tags = ["catalog"]  # noqa: RUF012 - Litestar reads these class attributes

    @get(
        "/",
        summary="The shop's items, prices, offers and drop odds",
        responses=responses(401),
        security=[{}, *BEARER],  # public; a player's token adds what is left of each limit
    )
    async def items(
        self, request: Request[Any, Any, Any], services: Svc
    ) -> Response[CatalogResponse]:
        """Every item with its price options, bundle contents, what using it grants (with the
        odds of each drop), its inventory key and its offer window and limit; and every currency.

        With a player's bearer token, each limited item also shows `remaining` (how many more
        the player may buy now) and `resetsAt` (when the count starts again), and the answer is
        not cached."""
        catalog, now = services.catalog, services.ledger.ctx.clock()
        counts = await _counts(request, services)
        answer = CatalogResponse(
            currency=CURRENCY,
            items=[_item(item, counts, now) for item in catalog.items],
            currencies=[CurrencyView(code=c.code, name=c.name) for c in catalog.currencies],
            version=catalog.version,
        )
        return Response(answer, headers=_CACHED if counts is None else _PERSONAL)


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


async def _counts(request: Request[Any, Any, Any], services: Svc) -> dict[str, OfferCount] | None:
    """The limited items' counts of the token's player (None without a player's token)."""
    if not request.headers.get("authorization"):
        return None
    await services.tokens.current()
    principal = principal_of(request)  # a token that is not valid is a 401, not ignored
    if principal.role != "player":
        return None
    async with connection(services.pool) as conn:
        head = await eventstore.latest(conn, accounts.player_account(principal.player_id))
    try:
        return dict(player_state(principal.player_id, head).timed.offers)
    except UnknownPlayer:
        return {}


def _item(
    item: assets.CatalogItem, counts: dict[str, OfferCount] | None, now: datetime
) -> CatalogItem:
    options = item.options()
    first = options[0] if options else {}
    limit = item.limit
    return CatalogItem(
        code=item.code,
        name=item.name,
        price=first[CURRENCY] if set(first) == {CURRENCY} else None,
        inventory_key=inventory_key(item.code),
        prices=[dict(option) for option in options],
        grants=dict(item.grants),
        on_use=_on_use(item.on_use),
        sellable=item.sellable,
        available_from=item.available_from,
        available_until=item.available_until,
        limit=None
        if limit is None
        else LimitView(per_player=limit.per_player, window=limit.window),
        **_left(item, counts, now),
    )


def _left(
    item: assets.CatalogItem, counts: dict[str, OfferCount] | None, now: datetime
) -> dict[str, Any]:
    """`remaining` and `resetsAt` of a limited item, for a player's token only."""
    left = offers.remaining(item, counts or {}, now)
    if counts is None or item.limit is None or left is None:
        return {}
    return {"remaining": left, "resets_at": offers.resets_at(item.limit.window, now)}


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
