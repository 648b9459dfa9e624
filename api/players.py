"""The player's own wallet: balance, history, top-up and purchase (bearer token required).

Every route acts on the token's subject only: none takes a player id from the client.
"""

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, QueryParameter

from api import reads
from api.auth import require_player
from api.body import OptionalBody, StrictBody
from api.limits import page_size
from api.problems import responses
from api.schemas import (
    BalanceResponse,
    HistoryPage,
    PurchaseRequest,
    PurchaseResponse,
    TopUpRequest,
    TopUpResponse,
    inventory,
)
from api.services import Caller, IdempotencyKey, Svc
from domain.assets import CURRENCY
from domain.commands import Purchase, TopUp
from infra.db import connection
from projections import holds, trades

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]

Cursor = Annotated[
    str | None,
    QueryParameter(
        name="cursor",
        required=False,
        pattern=r"^[1-9][0-9]{0,17}$",
        description="`nextCursor` of the previous page; omit for the newest entries",
    ),
]
Limit = Annotated[
    int,
    QueryParameter(name="limit", ge=1, le=1000, description="Page size, capped by MAX_PAGE_SIZE"),
]


class PlayerController(Controller):
    """The authenticated player's wallet."""

    path = "/"
    tags = ["player"]  # noqa: RUF012 - Litestar reads these class attributes
    guards = [require_player]  # noqa: RUF012
    security = BEARER
    cache_control = CacheControlHeader(no_store=True)

    @get("/balance", summary="The wallet", responses=responses(401, 404))
    async def balance(self, principal: Caller, services: Svc) -> BalanceResponse:
        """Balance, inventory and stream version; includes the player's own latest write."""
        async with connection(services.pool) as conn:
            wallet = await reads.wallet(conn, principal.player_id)
            held = await holds.held(conn, principal.player_id)
            for asset, amount in (await trades.escrowed(conn, principal.player_id)).items():
                held[asset] = held.get(asset, 0) + amount
        return BalanceResponse(
            username=wallet.username,
            balance=wallet.balance,
            version=wallet.version,
            referral_code=wallet.referral_code,
            inventory=inventory(wallet.inventory, services.item_codes),
            held=held,
        )

    @get("/history", summary="The player's ledger entries", responses=responses(400, 401))
    async def history(
        self,
        principal: Caller,
        services: Svc,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> HistoryPage:
        """Newest first, one entry per transfer; `nextCursor` pages to older entries."""
        size = page_size(limit, services.settings.max_page_size)
        async with connection(services.pool) as conn:
            return await reads.history(
                conn, principal.player_id, before=int(cursor) if cursor else None, limit=size
            )

    @post(
        "/top-up",
        dto=StrictBody[TopUpRequest],
        return_dto=None,
        status_code=200,
        summary="Add diamonds from the treasury",
        operation_class=OptionalBody,
        responses=responses(400, 401, 404, 409, 413, 422),
    )
    async def top_up(
        self,
        principal: Caller,
        services: Svc,
        data: JSONBody[TopUpRequest | None] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> TopUpResponse:
        """Diamonds into the wallet (100 when the body is empty)."""
        amount = (data or TopUpRequest()).amount
        result = await services.ledger.top_up(
            TopUp(player_id=principal.player_id, amount=amount), idempotency_key
        )
        return TopUpResponse(
            transfer_id=result.transfer_id,
            balance=result.balances.get(CURRENCY, 0),
            version=result.version,
        )

    @post(
        "/purchase",
        dto=StrictBody[PurchaseRequest],
        return_dto=None,
        status_code=200,
        summary="Buy an item of the catalog",
        responses=responses(400, 401, 404, 409, 413, 422),
    )
    async def purchase(
        self,
        principal: Caller,
        services: Svc,
        data: JSONBody[PurchaseRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> PurchaseResponse:
        """Diamonds to the treasury and the item into the inventory, in one transfer."""
        result = await services.ledger.purchase(
            Purchase(player_id=principal.player_id, item=data.item, quantity=data.quantity),
            idempotency_key,
        )
        return PurchaseResponse(
            transfer_id=result.transfer_id,
            balance=result.balances.get(CURRENCY, 0),
            version=result.version,
            inventory=inventory(result.balances, services.item_codes),
        )
