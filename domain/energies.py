"""Energies: a regenerating asset with a maximum, refilled lazily (DESIGN-NOTES 15)."""

from datetime import datetime

import msgspec


class EnergyMeter(msgspec.Struct, frozen=True, kw_only=True):
    """An energy's value as of `anchor`, the instant its refill is counted from."""

    current: int
    anchor: datetime
