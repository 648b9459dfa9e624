"""What holds and trade offers set aside right now, for the operator (admin token).

Read from the holds and trades read models, so a hold or offer shows after the projection's lag.
An operator voids a hold through POST /holds/{id}/void, which admits admin tokens (with a
`reason`, recorded on the void, when the hold is a game server's: domain/holds.py).
"""

from datetime import datetime

from litestar import get

from api.http.problems import responses
from api.http.reads import trade_answer
from api.http.rooms import AdminRoom
from api.http.schemas import Response, TradeResponse
from api.http.services import Read
from projections import holds, trades

LIMIT = 200


class PendingHold(Response):
    """A pending hold as the operator sees it."""

    hold_id: str
    player: str | None
    asset: str
    amount: int
    expires_at: datetime
    memo: str | None = None


class Escrow(Response):
    """Pending holds and open trades, soonest expiry first (at most 200 of each)."""

    holds: list[PendingHold]
    trades: list[TradeResponse]


class EscrowController(AdminRoom):
    """The operator's list of what is set aside."""

    path = "/admin/escrow"

    @get("/", summary="Pending holds and open trades", responses=responses(400, 401, 403))
    async def escrow(self, read: Read) -> Escrow:
        """What holds and open trade offers set aside now."""
        async with read.connection() as conn:
            held = await holds.pending(conn, LIMIT)
            offered = await trades.open_trades(conn, LIMIT)
        return Escrow(
            holds=[
                PendingHold(
                    hold_id=r.hold_id,
                    player=r.username,
                    asset=r.asset,
                    amount=r.amount,
                    expires_at=r.expires_at,
                    memo=r.memo,
                )
                for r in held
            ],
            trades=[trade_answer(t) for t in offered],
        )
