"""Gifts between players (bearer token): the token's subject is always the sender."""

from litestar.params import JSONBody
from msgspec.structs import asdict

from api.http.rooms import PlayerRoom
from api.http.schemas import inventory
from api.http.writes import Write, write_route
from api.player.schemas import TransferRequest, TransferResponse
from domain.assets import CURRENCY
from domain.commands import Gift


class TransferController(PlayerRoom):
    """Player-to-player transfers."""

    path = "/transfers"
    tags = ["economy"]  # noqa: RUF012 - Litestar reads these class attributes

    @write_route("/", status_code=200, refuses=(400, 401, 404, 409, 413, 422))
    async def transfer(self, write: Write, data: JSONBody[TransferRequest]) -> TransferResponse:
        """Gift diamonds or items to another player

        One transfer from the caller to `to`, on both players' streams."""
        result = await write.handle(Gift(sender_id=write.player_id, **asdict(data)))
        return TransferResponse(
            transfer_id=result.transfer_id,
            balance=result.balances.get(CURRENCY, 0),
            version=result.version,
            inventory=inventory(result.balances, write.services.item_codes),
            wallet=write.services.wallet(result.balances),
        )
