"""What the API shows of energies (issue 23), shared by the player's and the game servers' rooms:
an energy after a spend or a grant, and every energy in `GET /balance` with its modifiers."""

from datetime import datetime
from typing import Literal

import msgspec

from domain.energies import EnergyLevel, Modifier
from service.spend_energy import EnergyShown


class Response(msgspec.Struct, kw_only=True, rename="camel"):
    """Base of these bodies (as api/http/schemas.py's Response: that module imports them)."""


class EnergyState(Response):
    """An energy after a write: `nextRefillAt` and `fullAt` are null at or above `max`."""

    code: str
    current: int
    max: int
    next_refill_at: datetime | None
    full_at: datetime | None


class ModifierShown(Response, omit_defaults=True):
    """A timed modifier while it is active."""

    kind: Literal["unlimited", "refillFaster"]
    starts_at: datetime
    ends_at: datetime
    factor: int | None = None  # refillFaster's


class EnergyBalance(Response):
    """An energy at the request's time, with its active modifiers."""

    current: int
    max: int
    next_refill_at: datetime | None
    full_at: datetime | None
    modifiers: list[ModifierShown]


def energy_state(shown: EnergyShown) -> EnergyState:
    """An energy as a write's answer shows it."""
    return EnergyState(
        code=shown.code,
        current=shown.current,
        max=shown.max,
        next_refill_at=shown.next_refill_at,
        full_at=shown.full_at,
    )


def energy_balances(levels: dict[str, EnergyLevel]) -> dict[str, EnergyBalance]:
    """Every energy as `GET /balance` shows it."""
    return {
        code: EnergyBalance(
            current=level.current,
            max=level.max,
            next_refill_at=level.next_refill_at,
            full_at=level.full_at,
            modifiers=[_modifier(m) for m in level.modifiers],
        )
        for code, level in levels.items()
    }


def _modifier(modifier: Modifier) -> ModifierShown:
    factor = modifier.factor if modifier.kind == "refillFaster" else None
    return ModifierShown(
        kind=modifier.kind, starts_at=modifier.starts_at, ends_at=modifier.ends_at, factor=factor
    )
