"""`POST /grants`: a game server (service or admin token) pays a player currency.

Service tokens may always mint this way, whatever PLAYER_TOP_UP says (README: Who may mint).
"""

from litestar.params import JSONBody
from msgspec.structs import asdict

from api.game.schemas import GrantRequest, GrantResponse
from api.http.rooms import TrustedRoom
from api.http.writes import Write, write_route
from domain.commands import Grant


class GrantController(TrustedRoom):
    """Currency from the treasury to a player, on a game server's word."""

    path = "/grants"

    @write_route("/", status_code=201, refuses=(400, 401, 403, 404, 409, 413, 422))
    async def grant(self, write: Write, data: JSONBody[GrantRequest]) -> GrantResponse:
        """Grant a player currency from the treasury

        Pays `amount` of `currency` (diamond by default) to the player, recording `reason`."""
        result = await write.handle(Grant(**asdict(data)))
        return GrantResponse(
            transfer_id=result.transfer_id,
            player=data.player,
            balance=result.balances.get(data.currency, 0),
            version=result.version,
            wallet=write.services.wallet(result.balances),
        )
