"""`POST /energies/{code}/spend`: the authenticated player spends an energy (issue 23)."""

from typing import Annotated

import msgspec
from litestar.params import JSONBody
from msgspec import Meta

from api.http.energies import EnergyState, energy_state
from api.http.rooms import PlayerRoom
from api.http.schemas import MAX_SAFE_INTEGER, Metadata, Request, Response
from api.http.writes import Write, write_route
from domain.commands import SpendEnergy

EnergyCode = Annotated[
    str, Meta(min_length=1, max_length=64, description="An energy of the catalog")
]

EnergyAmount = Annotated[
    int, Meta(ge=1, le=MAX_SAFE_INTEGER, description="Energy units, at most MAX_QUANTITY")
]


class SpendEnergyRequest(Request):
    """Spend energy (its refill since the last touch is written first)."""

    amount: EnergyAmount
    metadata: Metadata = msgspec.field(default_factory=dict)


class SpendEnergyResponse(Response):
    """The transfer, the energy after it and the player's stream version."""

    transfer_id: str
    energy: EnergyState
    version: int


class EnergyController(PlayerRoom):
    """The authenticated player's energies."""

    path = "/energies"
    tags = ["player"]  # noqa: RUF012 - Litestar reads these class attributes

    @write_route("/{code:str}/spend", status_code=200, refuses=(400, 401, 404, 409, 413, 422))
    async def spend(
        self, write: Write, code: EnergyCode, data: JSONBody[SpendEnergyRequest]
    ) -> SpendEnergyResponse:
        """Spend energy

        What the energy refilled since it was last touched comes from its issuer first, then
        `amount` is spent, in one transfer. Short of it: 422 `insufficient-energy` with
        `current` and `nextRefillAt`. While an `unlimited` modifier lasts the value stays."""
        command = SpendEnergy(
            player_id=write.player_id, energy=code, amount=data.amount, metadata=data.metadata
        )
        result = await write.handle(command)
        return SpendEnergyResponse(
            transfer_id=result.transfer_id,
            energy=energy_state(result.energy),
            version=result.version,
        )
