"""Offers with windows and limits: when an item is sold, and how many one player may buy per
calendar window (DESIGN-NOTES 15).

Pure: the time is an argument. A limited item's purchases are counted in the player's stream
state (`TimedState.offers`), keyed by the window they fall in, so the stream's expected version
makes "at most n per player" hold under any concurrency, with no lock.
"""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec

from domain.shop_errors import OfferNotAvailable, PurchaseLimitReached

if TYPE_CHECKING:
    from domain.assets import CatalogItem

Window = Literal["lifetime", "day", "week"]
MAX_PER_PLAYER = 10**9


class Limit(msgspec.Struct, frozen=True, kw_only=True, rename={"per_player": "perPlayer"}):
    """At most `per_player` purchases (units) per player in each `window` (calendar, UTC)."""

    per_player: Annotated[int, msgspec.Meta(gt=0, le=MAX_PER_PLAYER)]
    window: Window


class OfferCount(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """How many of a limited item the player bought in one window: the `window` kind and its
    start (None for a lifetime). A count of another window (a past day) counts as none."""

    used: int
    window: Window = "lifetime"
    window_start: datetime | None = None


def problems(item: "CatalogItem") -> list[str]:
    """Why an item's window is not well-formed (the catalog's checks)."""
    where = f"item '{item.code}'"
    starts, ends = item.available_from, item.available_until
    found = [
        f"{where}: {name} must be in UTC (Z or +00:00)"
        for name, moment in (("availableFrom", starts), ("availableUntil", ends))
        if moment is not None and moment.utcoffset() != timedelta(0)
    ]
    if starts is not None and ends is not None and starts >= ends:
        found.append(f"{where}: availableFrom must be before availableUntil")
    return found


def window_start(window: Window, now: datetime) -> datetime | None:
    """The start of the calendar window `now` falls in (UTC): day 00:00, Monday 00:00."""
    if window == "lifetime":
        return None
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day if window == "day" else day - timedelta(days=day.weekday())


def resets_at(window: Window, now: datetime) -> datetime | None:
    """When the window `now` falls in ends and the count starts again (None: never)."""
    start = window_start(window, now)
    if start is None:
        return None
    return start + timedelta(days=1 if window == "day" else 7)


def used(count: OfferCount | None, limit: Limit, now: datetime) -> int:
    """How many the player has bought in the window `now` falls in."""
    if count is None or count.window != limit.window:
        return 0
    return count.used if count.window_start == window_start(limit.window, now) else 0


def remaining(item: "CatalogItem", counts: dict[str, OfferCount], now: datetime) -> int | None:
    """How many more the player may buy in the current window (None: the item is unlimited)."""
    if item.limit is None:
        return None
    return max(item.limit.per_player - used(counts.get(item.code), item.limit, now), 0)


def on_offer(item: "CatalogItem", now: datetime) -> bool:
    """True while `now` is in the item's window: from `availableFrom`, before `availableUntil`."""
    starts, ends = item.available_from, item.available_until
    return (starts is None or starts <= now) and (ends is None or now < ends)


def check_window(item: "CatalogItem", now: datetime) -> None:
    """Refuse a purchase outside the item's window (offer-not-available)."""
    if on_offer(item, now):
        return
    starts, ends = item.available_from, item.available_until
    if starts is not None and now < starts:
        said = f"The {item.name} is on offer from {_when(starts)}."
    else:
        said = f"The offer of the {item.name} ended at {_when(ends)}."
    raise OfferNotAvailable(
        said[0].lower() + said[1:-1],
        said=said,
        item=item.code,
        availableFrom=starts,
        availableUntil=ends,
    )


def counted(
    item: "CatalogItem", counts: dict[str, OfferCount], quantity: int, now: datetime
) -> dict[str, OfferCount] | None:
    """The counts after buying `quantity` of the item, or None when it is unlimited; refuses
    what would go over the limit (purchase-limit-reached)."""
    limit = item.limit
    if limit is None:
        return None
    before = used(counts.get(item.code), limit, now)
    if before + quantity > limit.per_player:
        _refuse(item, limit, before, now)
    after = OfferCount(
        used=before + quantity, window=limit.window, window_start=window_start(limit.window, now)
    )
    return {**counts, item.code: after}


def _refuse(item: "CatalogItem", limit: Limit, before: int, now: datetime) -> None:
    resets = resets_at(limit.window, now)
    per = {"lifetime": "", "day": " a day", "week": " a week"}[limit.window]
    again = "" if resets is None else f"; the count starts again at {_when(resets)}"
    left = limit.per_player - before
    raise PurchaseLimitReached(
        f"the {item.name} is limited to {limit.per_player} per player{per}; "
        f"{before} bought, {left} left{again}",
        said=f"The {item.name} is limited to {limit.per_player} per player{per}, and you have "
        f"bought {before}{again}.",
        item=item.code,
        limit=limit.per_player,
        window=limit.window,
        used=before,
        remaining=left,
        resetsAt=resets,
    )


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
