"""Trades between players (bearer token): offer, accept, decline, cancel, list, look up.

The token's subject is always the acting player. A trade is read from its own stream (two events
at most), so GET /trades/{id} is never stale; the list comes from the trades read model.
"""

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, PathParameter, QueryParameter

from api.http.auth import require_player
from api.http.body import StrictBody
from api.http.problems import responses
from api.http.reads import trade_answer as answer
from api.http.schemas import TradeResponse
from api.http.services import Caller, IdempotencyKey, Svc
from api.player.schemas import TradeList, TradeRequest
from domain import accounts
from domain.commands import CloseTrade, OfferTrade, TradeOutcome
from domain.errors import UnknownTrade
from domain.trades import trade_state
from infra import eventstore
from infra.db import connection
from projections import trades
from service.job import Sender
from service.results import trade_result

TradeId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Status = Annotated[
    Literal["open", "accepted", "declined", "cancelled", "expired"] | None,
    QueryParameter(name="status", required=False, description="Only trades in this status"),
]
LIST_LIMIT = 200


class TradeController(Controller):
    """Offers escrowed at once, then one swap (accept) or the escrow back."""

    path = "/trades"
    tags = ["economy"]  # noqa: RUF012 - Litestar reads these class attributes
    guards = [require_player]  # noqa: RUF012
    security = [{"bearer": []}]  # noqa: RUF012
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/",
        dto=StrictBody[TradeRequest],
        return_dto=None,
        status_code=201,
        summary="Offer another player a trade",
        responses=responses(400, 401, 404, 409, 413, 422),
    )
    async def offer(
        self,
        principal: Caller,
        services: Svc,
        data: JSONBody[TradeRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> TradeResponse:
        """Escrows `give` (it leaves the spendable balance) and opens the trade (`open`)."""
        command = OfferTrade(
            offerer_id=principal.player_id,
            to=data.to,
            give=data.give,
            want=data.want,
            expires_in=data.expires_in,
            metadata=data.metadata,
        )
        return answer(
            await services.ledger.handle(command, idempotency_key, Sender(principal.player_id))
        )

    async def _close(
        self,
        principal: Caller,
        services: Svc,
        trade_id: str,
        outcome: TradeOutcome,
        key: str | None,
    ) -> TradeResponse:
        command = CloseTrade(trade_id=trade_id, outcome=outcome, caller_id=principal.player_id)
        return answer(await services.ledger.handle(command, key, Sender(principal.player_id)))

    @post(
        "/{trade_id:str}/accept",
        status_code=200,
        summary="Accept a trade offered to you: one swap",
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def accept(
        self,
        principal: Caller,
        services: Svc,
        trade_id: TradeId,
        idempotency_key: IdempotencyKey = None,
    ) -> TradeResponse:
        """`give` to the recipient and `want` to the offerer in one transfer (`accepted`)."""
        return await self._close(principal, services, trade_id, "accept", idempotency_key)

    @post(
        "/{trade_id:str}/decline",
        status_code=200,
        summary="Decline a trade offered to you",
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def decline(
        self,
        principal: Caller,
        services: Svc,
        trade_id: TradeId,
        idempotency_key: IdempotencyKey = None,
    ) -> TradeResponse:
        """The escrow goes back to the offerer (`declined`)."""
        return await self._close(principal, services, trade_id, "decline", idempotency_key)

    @post(
        "/{trade_id:str}/cancel",
        status_code=200,
        summary="Cancel your own offer",
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def cancel(
        self,
        principal: Caller,
        services: Svc,
        trade_id: TradeId,
        idempotency_key: IdempotencyKey = None,
    ) -> TradeResponse:
        """The escrow goes back to the offerer (`cancelled`)."""
        return await self._close(principal, services, trade_id, "cancel", idempotency_key)

    @get("/", summary="Your trades, both directions", responses=responses(400, 401))
    async def list_trades(
        self, principal: Caller, services: Svc, status: Status = None
    ) -> TradeList:
        """Newest first, from the trades read model (a write shows after the projection's lag)."""
        async with connection(services.pool) as conn:
            rows = await trades.listed(conn, principal.player_id, status, LIST_LIMIT)
        return TradeList(trades=[answer(r) for r in rows])

    @get("/{trade_id:str}", summary="A trade", responses=responses(400, 401, 404))
    async def show(self, principal: Caller, services: Svc, trade_id: TradeId) -> TradeResponse:
        """The trade's terms and status, from its stream (its two players only)."""
        async with connection(services.pool) as conn:
            events = await eventstore.read_stream(conn, accounts.trade_account(trade_id), limit=2)
        state = trade_state(trade_id, events[0] if events else None, events[-1] if events else None)
        if principal.player_id not in (state.offered.offerer_id, state.offered.recipient_id):
            raise UnknownTrade("no such trade", tradeId=trade_id)
        return answer(trade_result(state))
