"""The audit's store-receipt check: every store credit has exactly one claim (version 1 of its
receipt's stream, naming it) and every refund reverses a store credit and holds version 2."""

from dataclasses import dataclass, field

from domain import accounts
from domain.details import StoreCreditDetails, StoreRefundDetails
from domain.event_base import Event
from domain.events import Claimed, Transferred


@dataclass
class Receipts:
    """Store credits, refunds and receipt claims met in the replay."""

    # transfer id -> the receipt stream it names
    credits: dict[str, str] = field(default_factory=dict)
    refunds: dict[str, tuple[str, str | None]] = field(
        default_factory=dict
    )  # -> (stream, reverses)
    # receipt stream -> per version, the transfer its claim names
    claims: dict[str, dict[int, str | None]] = field(default_factory=dict)

    def apply(self, stream: str, version: int, event: Event) -> None:
        """Note one event if it is a store credit, a refund or a receipt's claim."""
        if isinstance(event, Claimed) and stream.startswith("receipt:"):
            self.claims.setdefault(stream, {})[version] = event.transfer_id
        if not isinstance(event, Transferred) or event.mirror:
            return
        details = event.details
        if isinstance(details, StoreCreditDetails):
            receipt = accounts.receipt_stream(details.store, details.receipt_id)
            self.credits[event.transfer_id] = receipt
        elif isinstance(details, StoreRefundDetails):
            receipt = accounts.receipt_stream(details.store, details.receipt_id)
            self.refunds[event.transfer_id] = (receipt, details.reverses)

    def findings(self) -> list[str]:
        """What breaks the rule (empty when every credit and refund is as it must be)."""
        found = []
        named = {}
        for stream, versions in self.claims.items():
            if versions.get(1) is not None:
                named[versions[1]] = stream
        for transfer_id, stream in self.credits.items():
            if named.get(transfer_id) != stream:
                found.append(f"store credit {transfer_id}: no claim of {stream} names it")
        for transfer_id, (stream, reverses) in self.refunds.items():
            if reverses not in self.credits or self.credits[reverses] != stream:
                found.append(f"store refund {transfer_id}: reverses no store credit of {stream}")
            if self.claims.get(stream, {}).get(2) != transfer_id:
                found.append(f"store refund {transfer_id}: not the claim of {stream} v2")
        return found
