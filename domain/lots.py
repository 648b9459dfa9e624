"""Expiring currency: each credit is a lot that expires; spends take the soonest first (FEFO).

A player's lots of an asset always sum to their balance of it. An asset with no lots on the
player's `timed` state is held without expiry (one implicit lot of the whole balance): tracking
starts with the first credit that expires, and stops when no lot left expires, so a player who
never held an expiring credit carries nothing. DESIGN-NOTES 15.

This module knows amounts and dates only (no events): `domain/expiry.py` applies it to the
transfers a decision writes.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import msgspec

Lots = tuple["Lot", ...]


class Lot(msgspec.Struct, frozen=True, kw_only=True):
    """What is left of one credit of an expiring currency, and when it expires (None: never)."""

    amount: int
    expires_at: datetime | None = None


class Expiry(msgspec.Struct, frozen=True, kw_only=True):
    """When a transfer's credits to the player expire, per asset: at `at` (the command's own
    `expiresAt`), else `every` seconds after the credit (an item's own `expiresAfterSeconds`,
    for whatever its purchase or use credits), else `after` seconds after it (the catalog's
    currency's, or a store product's own). An asset named in none never expires."""

    after: dict[str, int] = {}
    at: dict[str, datetime] = {}
    every: int | None = None

    def of(self, asset: str, now: datetime) -> datetime | None:
        """When a credit of `asset` made at `now` expires (None: never)."""
        if asset in self.at:
            return self.at[asset]
        seconds = self.every if self.every is not None else self.after.get(asset)
        if seconds is None:
            return None
        return now.replace(microsecond=0) + timedelta(seconds=seconds)


NEVER = Expiry()


def _order(lot: Lot) -> tuple[bool, datetime]:
    """Soonest expiry first; lots that never expire last."""
    return (lot.expires_at is None, lot.expires_at or datetime.min)


def credit(lots: Lots, amount: int, expires_at: datetime | None) -> Lots:
    """`lots` with `amount` more expiring at `expires_at` (joined to a lot of the same date)."""
    same = [lot for lot in lots if lot.expires_at == expires_at]
    others = [lot for lot in lots if lot.expires_at != expires_at]
    joined = Lot(amount=amount + sum(lot.amount for lot in same), expires_at=expires_at)
    return tuple(sorted((*others, joined), key=_order))


def debit(lots: Lots, amount: int) -> Lots:
    """`lots` after spending `amount`, soonest-expiring first (FEFO)."""
    left: list[Lot] = []
    for lot in lots:
        taken = min(amount, lot.amount)
        amount -= taken
        if lot.amount > taken:
            left.append(Lot(amount=lot.amount - taken, expires_at=lot.expires_at))
    return tuple(left)


def moved(
    lots: Mapping[str, Lots],
    balances: Mapping[str, int],
    changes: Iterable[tuple[str, int]],
    expiry: Expiry,
    now: datetime,
) -> dict[str, Lots]:
    """The lots after `changes` ((asset, amount) of the player's legs, in order) from `balances`
    (before them): a credit that expires is a new lot, a debit takes the soonest first."""
    after = dict(lots)
    running = dict(balances)
    for asset, amount in changes:
        before, running[asset] = running.get(asset, 0), running.get(asset, 0) + amount
        when = expiry.of(asset, now) if amount > 0 else None
        held = after.get(asset)
        if held is None and when is None:
            continue  # held without expiry, and stays so
        if held is None:  # the first credit that expires: what was held before never does
            held = (Lot(amount=before),) if before > 0 else ()
        after[asset] = credit(held, amount, when) if amount > 0 else debit(held, -amount)
    return {asset: kept for asset, kept in after.items() if _expiring(kept)}


def _expiring(lots: Lots) -> bool:
    return any(lot.expires_at is not None for lot in lots)


def due(lots: Mapping[str, Lots], now: datetime) -> dict[str, Lots]:
    """The lots whose expiry has passed at `now`, per asset (what an expiry takes)."""
    found = {
        asset: tuple(lot for lot in held if lot.expires_at is not None and lot.expires_at <= now)
        for asset, held in lots.items()
    }
    return {asset: held for asset, held in found.items() if held}


def next_expiry(lots: Mapping[str, Lots]) -> datetime | None:
    """The soonest expiry of any lot (None: nothing expires)."""
    dates = [lot.expires_at for held in lots.values() for lot in held if lot.expires_at]
    return min(dates, default=None)


def total(lots: Lots) -> int:
    """What the lots hold together."""
    return sum(lot.amount for lot in lots)


def shown(lots: Mapping[str, Lots]) -> dict[str, list[dict[str, Any]]]:
    """The lots as `GET /balance` shows them: per currency, soonest first, the ones that never
    expire last with `"expiresAt": null`."""
    return {
        asset: [{"amount": lot.amount, "expiresAt": _rfc3339(lot.expires_at)} for lot in held]
        for asset, held in sorted(lots.items())
    }


def _rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")
