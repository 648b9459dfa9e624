"""Trades between players (bearer token): offer, accept, decline, cancel, list, look up.

The token's subject is always the acting player. A trade is read from its own stream (two events
at most), so GET /trades/{id} is never stale; the list comes from the trades read model.
"""

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec.structs import asdict

from api.http.problems import responses
from api.http.reads import trade_answer as answer
from api.http.rooms import PlayerRoom
from api.http.schemas import TradeResponse
from api.http.services import Caller, Read
from api.http.writes import Write, write_route
from api.player.schemas import TradeList, TradeRequest
from domain import accounts
from domain.commands import CloseTrade, OfferTrade, TradeOutcome
from domain.escrow_errors import UnknownTrade
from domain.trades import trade_state
from infra import eventstore
from projections import trades
from service.results import trade_result

TradeId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Status = Annotated[
    Literal["open", "accepted", "declined", "cancelled", "expired"] | None,
    QueryParameter(name="status", required=False, description="Only trades in this status"),
]
LIST_LIMIT = 200


def _closing(outcome: TradeOutcome, summary: str, description: str) -> HTTPRouteHandler:
    """POST /trades/{trade_id}/<outcome>: one of the trade's two players closes it."""

    async def close(self: Controller, write: Write, trade_id: TradeId) -> TradeResponse:
        command = CloseTrade(trade_id=trade_id, outcome=outcome, caller_id=write.player_id)
        return answer(await write.handle(command))

    close.__name__ = outcome  # the operation id is made of the path and this name
    return post(
        f"/{{trade_id:str}}/{outcome}",
        status_code=200,
        summary=summary,
        description=description,
        responses=responses(400, 401, 403, 404, 409, 422),
    )(close)


class TradeController(PlayerRoom):
    """Offers escrowed at once, then one swap (accept) or the escrow back."""

    path = "/trades"
    tags = ["economy"]  # noqa: RUF012 - Litestar reads these class attributes

    @write_route("/", status_code=201, refuses=(400, 401, 404, 409, 413, 422))
    async def offer(self, write: Write, data: JSONBody[TradeRequest]) -> TradeResponse:
        """Offer another player a trade

        Escrows `give` (it leaves the spendable balance) and opens the trade (`open`)."""
        return answer(await write.handle(OfferTrade(offerer_id=write.player_id, **asdict(data))))

    accept = _closing(
        "accept",
        "Accept a trade offered to you: one swap",
        "`give` to the recipient and `want` to the offerer in one transfer (`accepted`).",
    )
    decline = _closing(
        "decline",
        "Decline a trade offered to you",
        "The escrow goes back to the offerer (`declined`).",
    )
    cancel = _closing(
        "cancel", "Cancel your own offer", "The escrow goes back to the offerer (`cancelled`)."
    )

    @get("/", summary="Your trades, both directions", responses=responses(400, 401))
    async def list_trades(self, principal: Caller, read: Read, status: Status = None) -> TradeList:
        """Newest first, from the trades read model (a write shows after the projection's lag)."""
        async with read.connection(accounts.player_account(principal.player_id)) as conn:
            rows = await trades.listed(conn, principal.player_id, status, LIST_LIMIT)
        return TradeList(trades=[answer(r) for r in rows])

    @get("/{trade_id:str}", summary="A trade", responses=responses(400, 401, 404))
    async def show(self, principal: Caller, read: Read, trade_id: TradeId) -> TradeResponse:
        """The trade's terms and status, from its stream (its two players only)."""
        async with read.connection(accounts.trade_account(trade_id)) as conn:
            events = await eventstore.read_stream(conn, accounts.trade_account(trade_id), limit=2)
        state = trade_state(trade_id, events[0] if events else None, events[-1] if events else None)
        if principal.player_id not in (state.offered.offerer_id, state.offered.recipient_id):
            raise UnknownTrade("no such trade", tradeId=trade_id)
        return answer(trade_result(state))
