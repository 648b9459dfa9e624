"""`POST /grants`: a game server (service or admin token) pays a player currency.

Service tokens may always mint this way, whatever PLAYER_TOP_UP says (README: Who may mint).
"""

import msgspec
from litestar.params import JSONBody
from litestar.plugins.problem_details import ProblemDetailsException
from msgspec.structs import asdict

from api.game.schemas import GrantRequest, GrantResponse
from api.http.energies import energy_state
from api.http.problems import from_body
from api.http.rooms import TrustedRoom
from api.http.writes import Write, write_route
from domain.commands import EnergyModifier, Grant


class GrantController(TrustedRoom):
    """Currency from the treasury to a player, on a game server's word."""

    path = "/grants"

    @write_route("/", status_code=201, refuses=(400, 401, 403, 404, 409, 413, 422))
    async def grant(self, write: Write, data: JSONBody[GrantRequest]) -> GrantResponse:
        """Grant a player currency from the treasury, or energy

        Pays `amount` of `currency` (diamond by default) to the player, recording `reason`.
        Naming an `energy` instead grants that energy from its issuer, above its max up to its
        overfillMax (what is past that is not credited), with an optional timed `modifier`."""
        if data.energy is None and (data.reason is None or data.modifier is not None):
            raise _currency_grant_refused(data)
        modifier = data.modifier and EnergyModifier(**asdict(data.modifier))
        result = await write.handle(Grant(**{**asdict(data), "modifier": modifier}))
        if data.energy is not None:
            return GrantResponse(
                transfer_id=result.transfer_id,
                player=data.player,
                balance=result.energy.current,
                version=result.version,
                wallet=write.services.wallet(result.balances),
                energy=energy_state(result.energy),
            )
        return GrantResponse(
            transfer_id=result.transfer_id,
            player=data.player,
            balance=result.balances.get(data.currency, 0),
            version=result.version,
            wallet=write.services.wallet(result.balances),
        )


def _currency_grant_refused(data: GrantRequest) -> ProblemDetailsException:
    """A currency grant needs its reason (as the body did before energies), and only an
    energy's grant carries a modifier."""
    if data.reason is None:
        return from_body(msgspec.ValidationError("Object missing required field `reason`"))
    return from_body(msgspec.ValidationError("`modifier` is only for an energy's grant"))
