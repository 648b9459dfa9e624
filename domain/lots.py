"""Expiring currency: each credit is a lot that expires; spends take the soonest first."""

from datetime import datetime

import msgspec


class Lot(msgspec.Struct, frozen=True, kw_only=True):
    """What is left of one credit of an expiring currency, and when it expires (None: never)."""

    amount: int
    expires_at: datetime | None = None
