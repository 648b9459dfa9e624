"""Match settlements for game servers (a `service` or admin token): one atomic transfer that
captures the match's holds and pays the winners, the rest going to the treasury."""

from litestar import post
from litestar.params import JSONBody

from api.game.schemas import SettlementRequest, SettlementResponse
from api.http.body import StrictBody
from api.http.problems import responses
from api.http.services import Caller, IdempotencyKey, Svc
from api.http.trusted import TrustedController, actor
from domain.commands import Payout, Settle
from service.job import Sender


class SettlementController(TrustedController):
    """Pots of held stakes, paid out to a match's winners."""

    path = "/settlements"

    @post(
        "/",
        dto=StrictBody[SettlementRequest],
        return_dto=None,
        status_code=200,
        summary="Settle a match: capture its holds and pay the winners",
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def settle(
        self,
        principal: Caller,
        services: Svc,
        data: JSONBody[SettlementRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> SettlementResponse:
        """Every hold at version 2 and every winner's stream, in one transfer."""
        command = Settle(
            holds=tuple(data.holds),
            payouts=tuple(Payout(to=p.to, amount=p.amount) for p in data.payouts),
            memo=data.memo,
            reason=data.reason,
            metadata=data.metadata,
        )
        who = actor(principal)  # its own holds only (an admin's: any, with a reason)
        result = await services.ledger.handle(
            command, idempotency_key, Sender(who.account, who.role)
        )
        return SettlementResponse(
            settlement_id=result.settlement_id,
            transfer_id=result.transfer_id,
            pot=result.pot,
            paid=result.paid,
            rake=result.rake,
        )
