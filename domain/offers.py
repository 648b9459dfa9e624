"""Offers with windows and limits: purchases of a limited item counted per calendar window."""

from datetime import datetime

import msgspec


class OfferCount(msgspec.Struct, frozen=True, kw_only=True):
    """How many of a limited item the player bought in the window that starts at `window_start`."""

    used: int
    window_start: datetime
