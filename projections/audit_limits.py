"""The audit's limits check: no player ever bought more of a limited item in one calendar window
than its limit, and every purchase's count carried on the stream equals the audit's own count.

The limit is the one of the catalog version the purchase names, and the window is the one its
`occurred_at` falls in: the time the decision was given (DESIGN-NOTES 15), never the audit's.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from domain.details import PurchaseDetails
from domain.events import Transferred
from domain.offers import window_start
from projections.audit_catalog import Catalogs

# (player stream, item, window kind, window start) -> units bought in it while limited
Key = tuple[str, str, str, datetime | None]


@dataclass
class Limits:
    """Purchases of limited items per player and window, counted from the log."""

    bought: dict[Key, int] = field(default_factory=lambda: defaultdict(int))

    def apply(self, ref: str, stream: str, event: Transferred, catalogs: Catalogs) -> list[str]:
        """Count one purchase on a player's stream; what is wrong with it (empty when right)."""
        details = event.details
        if not isinstance(details, PurchaseDetails) or details.catalog_version is None:
            return []
        catalog = catalogs.get(details.catalog_version)
        item = None if catalog is None else catalog.find(details.item)
        if item is None or item.limit is None:  # the catalog check reports an unknown one
            return []
        limit = item.limit
        start = window_start(limit.window, event.occurred_at)
        key = (stream, item.code, limit.window, start)
        self.bought[key] += details.quantity
        bought, found = self.bought[key], []
        window = "lifetime" if start is None else f"{limit.window} from {start.isoformat()}"
        if bought > limit.per_player:
            found.append(
                f"{ref}: {bought} '{item.code}' bought in the {window}, "
                f"the limit is {limit.per_player}"
            )
        carried = event.timed.offers.get(item.code) if event.timed else None
        if carried is None or carried.used != bought or carried.window_start != start:
            found.append(f"{ref}: carries the count {carried} of '{item.code}', the log gives "
                         f"{bought} in the {window}")  # fmt: skip
        return found
