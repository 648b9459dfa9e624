"""Energies: a regenerating asset with a maximum, refilled lazily (DESIGN-NOTES 15).

A player's energy is stored as a meter: its value as of an anchor instant, and the timed
modifiers granted to it. Its value at any later time is a pure function of the meter, the
catalog's energy and that time: `floor(elapsed / refillSeconds) * refill` is added, never past
`max`, and nothing is added while the value is at or above `max` (rewards may take it up to
`overfillMax`). A `refillFaster` modifier makes time count `factor` times over while it lasts;
an `unlimited` one lets spends succeed without lowering the value.

Time is counted in whole microseconds, so the arithmetic is exact.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from domain.assets import Energy

ModifierKind = Literal["unlimited", "refillFaster"]
_SECOND = 1_000_000  # microseconds


class Modifier(msgspec.Struct, frozen=True, kw_only=True):
    """A timed modifier of one energy, active from `starts_at` (inclusive) to `ends_at`."""

    kind: ModifierKind
    starts_at: datetime
    ends_at: datetime
    factor: int = 1  # refillFaster: refillSeconds is divided by it

    def active(self, now: datetime) -> bool:
        """True while the modifier applies."""
        return self.starts_at <= now < self.ends_at


class EnergyMeter(msgspec.Struct, frozen=True, kw_only=True):
    """An energy's value as of `anchor`, the instant its refill is counted from, and its
    modifiers (those that ended before the anchor are dropped: they no longer count)."""

    current: int
    anchor: datetime
    modifiers: tuple[Modifier, ...] = ()


class EnergyLevel(msgspec.Struct, frozen=True, kw_only=True):
    """What a player sees of an energy at one instant."""

    code: str
    current: int
    max: int
    next_refill_at: datetime | None  # None when nothing is refilling (at or above max)
    full_at: datetime | None  # when it reaches max by refill alone; None when it is there
    modifiers: tuple[Modifier, ...] = ()  # the active ones


def untouched(energy: Energy, now: datetime) -> EnergyMeter:
    """The meter of an energy the player has never touched: `start`, refilling from now."""
    return EnergyMeter(current=energy.start, anchor=now)


def refilled(meter: EnergyMeter, energy: Energy, now: datetime) -> EnergyMeter:
    """The meter at `now`: its refill since the anchor added, never past `max`.

    At or above `max` nothing refills, and the anchor moves to `now`: a spend below `max`
    starts the refill clock then. Below it, the anchor moves by whole refills only, so the
    progress towards the next one is kept.
    """
    if now < meter.anchor:  # a clock that went back refills nothing and loses nothing
        return meter
    if meter.current >= energy.max:
        return _kept(meter, meter.current, now)
    interval = energy.refill_seconds * _SECOND
    ticks = _progress(meter.anchor, now, meter.modifiers) // interval
    value = min(energy.max, meter.current + ticks * energy.refill)
    if value >= energy.max:
        return _kept(meter, value, now)
    return _kept(meter, value, _instant(meter.anchor, ticks * interval, meter.modifiers))


def unlimited(meter: EnergyMeter, now: datetime) -> bool:
    """True while an `unlimited` modifier lets spends leave the value as it is."""
    return any(m.kind == "unlimited" and m.active(now) for m in meter.modifiers)


def with_modifier(meter: EnergyMeter, modifier: Modifier) -> EnergyMeter:
    """The meter with one more modifier (call on a meter refilled to the modifier's start)."""
    return msgspec.structs.replace(meter, modifiers=(*meter.modifiers, modifier))


def level(code: str, meter: EnergyMeter, energy: Energy, now: datetime) -> EnergyLevel:
    """What the player sees of the meter at `now` (refilled to it)."""
    meter = refilled(meter, energy, now)
    active = tuple(m for m in meter.modifiers if m.active(now))
    if meter.current >= energy.max:
        return EnergyLevel(
            code=code,
            current=meter.current,
            max=energy.max,
            next_refill_at=None,
            full_at=None,
            modifiers=active,
        )
    interval = energy.refill_seconds * _SECOND
    missing = -(-(energy.max - meter.current) // energy.refill)  # refills still to come
    return EnergyLevel(
        code=code,
        current=meter.current,
        max=energy.max,
        next_refill_at=_instant(meter.anchor, interval, meter.modifiers),
        full_at=_instant(meter.anchor, missing * interval, meter.modifiers),
        modifiers=active,
    )


def levels(
    meters: dict[str, EnergyMeter], energies: tuple[Energy, ...], now: datetime
) -> dict[str, EnergyLevel]:
    """Every catalog energy as the player sees it at `now` (an untouched one at `start`)."""
    return {
        energy.code: level(
            energy.code, meters.get(energy.code) or untouched(energy, now), energy, now
        )
        for energy in energies
    }


def _kept(meter: EnergyMeter, value: int, anchor: datetime) -> EnergyMeter:
    modifiers = tuple(m for m in meter.modifiers if m.ends_at > anchor)
    return EnergyMeter(current=value, anchor=anchor, modifiers=modifiers)


def _rate(modifiers: tuple[Modifier, ...], at: datetime) -> int:
    """How many times over time counts at `at`: the largest active refillFaster factor."""
    factors = [m.factor for m in modifiers if m.kind == "refillFaster" and m.active(at)]
    return max(factors, default=1)


def _segments(
    start: datetime, modifiers: tuple[Modifier, ...]
) -> Iterator[tuple[datetime, datetime | None, int]]:
    """From `start` on: spans of one rate each, the last one open-ended."""
    edges = sorted(
        {t for m in modifiers if m.kind == "refillFaster" for t in (m.starts_at, m.ends_at)}
    )
    cuts = [start, *(t for t in edges if t > start)]
    for index, begin in enumerate(cuts):
        end = cuts[index + 1] if index + 1 < len(cuts) else None
        yield begin, end, _rate(modifiers, begin)


def _micros(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * _SECOND + span.microseconds


def _progress(start: datetime, now: datetime, modifiers: tuple[Modifier, ...]) -> int:
    """Refill progress from `start` to `now`, in microseconds of ordinary time."""
    total = 0
    for begin, end, rate in _segments(start, modifiers):
        if begin >= now:
            break
        stop = now if end is None or end > now else end
        total += _micros(stop - begin) * rate
    return total


def _instant(start: datetime, needed: int, modifiers: tuple[Modifier, ...]) -> datetime:
    """The first instant by which `needed` microseconds of progress have passed since `start`."""
    for begin, end, rate in _segments(start, modifiers):
        span = None if end is None else _micros(end - begin) * rate
        if span is None or needed <= span:
            return begin + timedelta(microseconds=-(-needed // rate))
        needed -= span
    raise AssertionError("the last segment is open-ended")  # pragma: no cover
