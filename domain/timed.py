"""What a player's time-based assets carry on the stream (DESIGN-NOTES 15).

A player's balances ride on each of its events as `state_after`; what time needs besides them
rides beside it as `timed`: each energy's refill anchor, each expiring currency's lots, each
limited offer's purchase counters. One head read gives all of it, and replay gives the same
numbers, because the decision that changes it takes the time as an argument.

Each part belongs to one module: `domain/energies.py`, `domain/lots.py`, `domain/offers.py`.
`domain.ledger.transfer` carries the player's `timed` forward unchanged unless a decision
passes a new one, so a transfer that knows nothing of time never drops it.
"""

import msgspec

from domain.energies import EnergyMeter
from domain.lots import Lot
from domain.offers import OfferCount


class TimedState(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A player's time-based state after an event: empty for a player who has none."""

    energies: dict[str, EnergyMeter] = {}  # energy code -> its value and refill anchor
    lots: dict[str, tuple[Lot, ...]] = {}  # expiring currency code -> its lots, soonest first
    offers: dict[str, OfferCount] = {}  # limited item code -> purchases in the current window

    def empty(self) -> bool:
        """True when the player has no time-based state (the event then carries none)."""
        return not (self.energies or self.lots or self.offers)


NO_TIMED = TimedState()
