"""The monitors projector's pure fold (projections/monitors.py): the monitors as a batch sees
them, and what a batch of events adds to each monitor's per-second buckets and to each asset's
treasury, with the (monitor, subject) pairs it touched and the second of its last event."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from domain.monitor_events import MonitorRule
from domain.monitors import WHOLE, counts, treasury_moves
from infra.eventstore import StoredEvent

Action = Literal["alert", "freeze"]


@dataclass
class Monitor:
    """A monitor as the batch sees it; `since`: events at or before it do not count."""

    monitor_id: str
    name: str
    rule: MonitorRule
    action: Action
    since: int = 0


@dataclass
class Batch:
    """What one batch adds: bucket amounts, treasury moves, the subjects touched."""

    buckets: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    treasury: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    touched: dict[tuple[str, str], int] = field(default_factory=dict)  # -> position
    end: int = 0  # the last event's second
    at: datetime | None = None


def fold(events: Sequence[StoredEvent], monitors: dict[str, Monitor]) -> Batch:
    """What the batch adds to each monitor's buckets and each asset's treasury."""
    batch = Batch()
    for stored in events:
        event = stored.event
        for asset, amount in treasury_moves(event):
            batch.treasury[asset] += amount
        when = getattr(event, "occurred_at", stored.recorded_at)
        second = int(when.timestamp())
        batch.end, batch.at = max(batch.end, second), max(batch.at or when, when)
        for monitor in monitors.values():
            if stored.global_position <= monitor.since:
                continue
            for subject, amount in counts(monitor.rule, event):
                batch.buckets[(monitor.monitor_id, subject, second)] += amount
                batch.touched[(monitor.monitor_id, subject)] = stored.global_position
            if monitor.rule.kind == "treasury_low" and monitor.rule.asset in dict(
                treasury_moves(event)
            ):
                batch.touched[(monitor.monitor_id, WHOLE)] = stored.global_position
    for monitor in monitors.values():
        if monitor.since and monitor.rule.kind == "treasury_low":
            batch.touched.setdefault((monitor.monitor_id, WHOLE), monitor.since)
    return batch
