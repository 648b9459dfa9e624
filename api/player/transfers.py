"""Gifts between players (bearer token): the token's subject is always the sender."""

from litestar import Controller, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody

from api.http.auth import require_player
from api.http.body import StrictBody
from api.http.problems import responses
from api.http.schemas import inventory
from api.http.services import Caller, IdempotencyKey, Svc
from api.player.schemas import TransferRequest, TransferResponse
from domain.assets import CURRENCY
from domain.commands import Gift
from service.job import Sender


class TransferController(Controller):
    """Player-to-player transfers."""

    path = "/transfers"
    tags = ["economy"]  # noqa: RUF012 - Litestar reads these class attributes
    guards = [require_player]  # noqa: RUF012
    security = [{"bearer": []}]  # noqa: RUF012
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/",
        dto=StrictBody[TransferRequest],
        return_dto=None,
        status_code=200,
        summary="Gift diamonds or items to another player",
        responses=responses(400, 401, 404, 409, 413, 422),
    )
    async def transfer(
        self,
        principal: Caller,
        services: Svc,
        data: JSONBody[TransferRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> TransferResponse:
        """One transfer from the caller to `to`, on both players' streams."""
        command = Gift(
            sender_id=principal.player_id,
            to=data.to,
            asset=data.asset,
            amount=data.amount,
            memo=data.memo,
            metadata=data.metadata,
        )
        result = await services.ledger.handle(command, idempotency_key, Sender(principal.player_id))
        return TransferResponse(
            transfer_id=result.transfer_id,
            balance=result.balances.get(CURRENCY, 0),
            version=result.version,
            inventory=inventory(result.balances, services.item_codes),
        )
