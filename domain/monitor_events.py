"""The events of monitors (DESIGN-NOTES note 16), a live operation on `monitor:<id>` streams: an
operator defined a monitor's rule, and the monitors projector recorded each time it fired. Their
tags read as the feed's and the webhooks' event keys (`monitor.fired` is the one the webhooks
promise)."""

from datetime import datetime
from typing import Literal

import msgspec

from domain.event_base import Event

MonitorKind = Literal["supply_growth", "player_inflow", "transfers_rate", "treasury_low"]


class MonitorRule(msgspec.Struct, frozen=True, kw_only=True):
    """What a monitor watches: over the last `window_seconds`, more than `threshold` (below it,
    for `treasury_low`) of `asset`, or transfers of `code` (any code when None)."""

    kind: MonitorKind
    window_seconds: int
    threshold: int
    asset: str | None = None
    code: str | None = None


class MonitorDefined(Event, frozen=True, kw_only=True, tag="monitor.defined"):
    """An operator set up a monitor (version 1 of its `monitor:` stream)."""

    monitor_id: str
    name: str
    rule: MonitorRule
    action: Literal["alert", "freeze"]
    created_by: str
    occurred_at: datetime


class MonitorFired(Event, frozen=True, kw_only=True, tag="monitor.fired"):
    """A monitor's rule was broken by the event at `position`; `player_id` and `username` name
    the player for `player_inflow`; `freeze_id` is the freeze it placed (action `freeze`)."""

    monitor_id: str
    name: str
    rule: MonitorRule
    action: Literal["alert", "freeze"]
    value: int
    position: int
    occurred_at: datetime
    player_id: str | None = None
    username: str | None = None
    freeze_id: str | None = None
