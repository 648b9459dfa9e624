"""`POST /grants`: a game server (service or admin token) pays a player currency.

Service tokens may always mint this way, whatever PLAYER_TOP_UP says (README: Who may mint).
"""

from litestar import post
from litestar.params import JSONBody

from api.game.schemas import GrantRequest, GrantResponse
from api.http.body import StrictBody
from api.http.problems import responses
from api.http.services import Caller, IdempotencyKey, Svc
from api.http.trusted import TrustedController
from domain.commands import Grant
from service.job import Sender


class GrantController(TrustedController):
    """Currency from the treasury to a player, on a game server's word."""

    path = "/grants"

    @post(
        "/",
        dto=StrictBody[GrantRequest],
        return_dto=None,
        status_code=201,
        summary="Grant a player currency from the treasury",
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def grant(
        self,
        principal: Caller,
        services: Svc,
        data: JSONBody[GrantRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> GrantResponse:
        """Pays `amount` of `currency` (diamond by default) to the player, recording `reason`."""
        command = Grant(
            player=data.player,
            amount=data.amount,
            reason=data.reason,
            currency=data.currency,
            metadata=data.metadata,
        )
        result = await services.ledger.handle(command, idempotency_key, Sender(principal.player_id))
        return GrantResponse(
            transfer_id=result.transfer_id,
            player=data.player,
            balance=result.balances.get(data.currency, 0),
            version=result.version,
            wallet=services.wallet(result.balances),
        )
