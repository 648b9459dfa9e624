"""Holds for game servers (a `service` or admin token): place, capture, void, look up.

A hold is read from its own stream (two events at most), so GET /holds/{id} is never stale.
"""

from typing import Annotated

from litestar import get, post
from litestar.params import JSONBody, PathParameter

from api.body import OptionalBody, StrictBody
from api.economy_schemas import CaptureRequest, HoldRequest, HoldResponse, VoidRequest
from api.problems import responses
from api.services import Caller, IdempotencyKey, Svc
from api.trusted import TrustedController
from domain import accounts
from domain.commands import CloseHold, PlaceHold
from domain.holds import hold_state
from infra import eventstore
from infra.db import connection
from service.results import HoldResult, hold_result

HoldId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


def answer(result: HoldResult) -> HoldResponse:
    """The wire form of a hold."""
    return HoldResponse(
        hold_id=result.hold_id,
        status=result.status,  # type: ignore[arg-type]  # one of domain.holds.HoldStatus
        player=result.player,
        asset=result.asset,
        amount=result.amount,
        expires_at=result.expires_at,
        captured=result.captured,
        memo=result.memo,
    )


class HoldController(TrustedController):
    """Two-phase transfers: funds set aside now, captured or released later."""

    path = "/holds"

    @post(
        "/",
        dto=StrictBody[HoldRequest],
        return_dto=None,
        status_code=201,
        summary="Set a player's funds aside",
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def place(
        self,
        principal: Caller,
        services: Svc,
        data: JSONBody[HoldRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> HoldResponse:
        """Moves `amount` from the player's spendable balance into the hold (`pending`)."""
        command = PlaceHold(
            player=data.player,
            asset=data.asset,
            amount=data.amount,
            expires_in=data.expires_in,
            memo=data.memo,
            metadata=data.metadata,
        )
        return answer(
            await services.ledger.place_hold(command, principal.player_id, idempotency_key)
        )

    @post(
        "/{hold_id:str}/capture",
        dto=StrictBody[CaptureRequest],
        return_dto=None,
        status_code=200,
        summary="Capture a hold (all, or `amount` of it; the rest is released)",
        operation_class=OptionalBody,
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def capture(
        self,
        principal: Caller,
        services: Svc,
        hold_id: HoldId,
        data: JSONBody[CaptureRequest | None] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> HoldResponse:
        """Sends the captured amount to the treasury; status becomes `captured`."""
        body = data or CaptureRequest()
        command = CloseHold(
            hold_id=hold_id, outcome="capture", amount=body.amount, metadata=body.metadata
        )
        return answer(
            await services.ledger.close_hold(command, principal.player_id, idempotency_key)
        )

    @post(
        "/{hold_id:str}/void",
        dto=StrictBody[VoidRequest],
        return_dto=None,
        status_code=200,
        summary="Void a hold: everything goes back to the player",
        operation_class=OptionalBody,
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def void(
        self,
        principal: Caller,
        services: Svc,
        hold_id: HoldId,
        data: JSONBody[VoidRequest | None] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> HoldResponse:
        """Releases the whole hold; status becomes `voided`."""
        body = data or VoidRequest()
        command = CloseHold(hold_id=hold_id, outcome="void", metadata=body.metadata)
        return answer(
            await services.ledger.close_hold(command, principal.player_id, idempotency_key)
        )

    @get("/{hold_id:str}", summary="A hold", responses=responses(400, 401, 403, 404))
    async def show(self, services: Svc, hold_id: HoldId) -> HoldResponse:
        """The hold's terms and status, from its stream."""
        async with connection(services.pool) as conn:
            events = await eventstore.read_stream(conn, accounts.hold_account(hold_id), limit=2)
        state = hold_state(hold_id, events[0] if events else None, events[-1] if events else None)
        return answer(hold_result(state))
