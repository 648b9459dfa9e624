"""The audit's lot checks (issue 23): a player's lots of a currency sum to their balance of it,
soonest expiry first; an expiry takes only lots whose `expiresAt` has passed, and of each at
most what was left of it on the player's event before."""

from dataclasses import dataclass, field

from domain import accounts
from domain.details import ExpiryDetails
from domain.event_base import Event
from domain.events import Transferred
from domain.lots import Lots


@dataclass
class LotChecks:
    """Each player's lots as their stream's last event left them, and what broke the rules."""

    held: dict[str, dict[str, Lots]] = field(default_factory=dict)  # stream -> asset -> lots
    sums: list[str] = field(default_factory=list)  # the `lots` check
    expiries: list[str] = field(default_factory=list)  # the `expiries` check

    def apply(self, stream: str, version: int, event: Event) -> None:
        """Check one event of a player's stream (others are not a player's lots)."""
        if not accounts.is_player(stream) or not isinstance(event, Transferred):
            return
        ref = f"{stream} v{version}"
        lots = event.timed.lots if event.timed is not None else {}
        if isinstance(event.details, ExpiryDetails):
            self._check_expiry(stream, ref, event)
        for asset, held in lots.items():
            self._check_sum(ref, asset, held, event.state_after.get(asset, 0))
        if lots:
            self.held[stream] = lots
        else:
            self.held.pop(stream, None)

    def _check_sum(self, ref: str, asset: str, held: Lots, balance: int) -> None:
        if sum(lot.amount for lot in held) != balance:
            self.sums.append(
                f"{ref}: {asset} lots sum to {sum(lot.amount for lot in held)}, "
                f"the balance is {balance}"
            )
        order = [
            (lot.expires_at is None, lot.expires_at.timestamp() if lot.expires_at else 0.0)
            for lot in held
        ]
        if order != sorted(order) or any(lot.amount <= 0 for lot in held):
            self.sums.append(f"{ref}: {asset} lots are not positive, soonest expiry first")

    def _check_expiry(self, stream: str, ref: str, event: Transferred) -> None:
        assert isinstance(event.details, ExpiryDetails)
        before = self.held.get(stream, {})
        for asset, expired in event.details.expired.items():
            named = sum(lot.amount for lot in expired)
            taken = -sum(
                leg.amount for leg in event.legs if (leg.account, leg.asset) == (stream, asset)
            )
            if taken != named:
                self.expiries.append(f"{ref}: took {taken} {asset}, its lots name {named}")
            left = {lot.expires_at: lot.amount for lot in before.get(asset, ())}
            for lot in expired:
                if lot.expires_at is None or lot.expires_at > event.occurred_at:
                    self.expiries.append(f"{ref}: expired a {asset} lot due {lot.expires_at}")
                elif lot.amount > left.get(lot.expires_at, 0):
                    self.expiries.append(
                        f"{ref}: expired {lot.amount} {asset} of a lot due {lot.expires_at}"
                        f" that had {left.get(lot.expires_at, 0)} left"
                    )
