"""The audit's energy check (issue 23): every player's energy meter carried on its events
agrees with the ledger's balance of that energy, is never negative, and never above the
energy's `overfillMax` (its `max` without one) in the catalog live when it was written.

The live catalog is followed through the log: the configured file is version 0 and each
`CatalogApplied` event is the next; without the catalogs, only the agreement is checked.
"""

from dataclasses import dataclass, field

from domain import accounts
from domain.event_base import Event
from domain.events import CatalogApplied, Transferred
from projections.audit_catalog import Catalogs


@dataclass
class Energies:
    """Follows the live catalog version and checks each player transfer's meters."""

    catalogs: Catalogs | None
    version: int = 0
    findings: list[str] = field(default_factory=list)

    def apply(self, stream: str, ref: str, event: Event) -> None:
        """Check one event (a catalog change moves the catalog the next ones are held to)."""
        if isinstance(event, CatalogApplied):
            self.version = event.catalog.version
        elif isinstance(event, Transferred) and accounts.is_player(stream) and event.timed:
            self.findings += self._meters(ref, event)

    def _meters(self, ref: str, event: Transferred) -> list[str]:
        assert event.timed is not None
        found = []
        catalog = self.catalogs.get(self.version) if self.catalogs is not None else None
        for code, meter in sorted(event.timed.energies.items()):
            held = event.state_after.get(code, 0)
            if meter.current != held:
                found.append(f"{ref}: {code} meter says {meter.current}, the balance is {held}")
            if meter.current < 0:
                found.append(f"{ref}: {code} is {meter.current}, below zero")
            energy = catalog.energy(code) if catalog is not None else None
            if energy is not None and meter.current > energy.ceiling:
                found.append(f"{ref}: {code} is {meter.current}, above {energy.ceiling}")
        return found
