"""Match settlements for game servers (a `service` or admin token): one atomic transfer that
captures the match's holds and pays the winners, the rest going to the treasury."""

from litestar.params import JSONBody

from api.game.schemas import SettlementRequest, SettlementResponse
from api.http.rooms import TrustedRoom
from api.http.writes import Write, write_route
from domain.commands import Payout, Settle


class SettlementController(TrustedRoom):
    """Pots of held stakes, paid out to a match's winners."""

    path = "/settlements"

    @write_route("/", status_code=200, refuses=(400, 401, 403, 404, 409, 413, 422))
    async def settle(self, write: Write, data: JSONBody[SettlementRequest]) -> SettlementResponse:
        """Settle a match: capture its holds and pay the winners

        Every hold at version 2 and every winner's stream, in one transfer."""
        command = Settle(
            holds=tuple(data.holds),
            payouts=tuple(Payout(to=p.to, amount=p.amount) for p in data.payouts),
            memo=data.memo,
            reason=data.reason,
            metadata=data.metadata,
        )
        # sent as the room's actor: a game server's own holds only (an admin's: any, with a reason)
        result = await write.handle(command)
        return SettlementResponse(
            settlement_id=result.settlement_id,
            transfer_id=result.transfer_id,
            pot=result.pot,
            paid=result.paid,
            rake=result.rake,
        )
