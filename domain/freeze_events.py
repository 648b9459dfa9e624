"""The events of freezes (DESIGN-NOTES note 16), a live operation on `freeze:<id>` streams: an
operator or a monitor froze an asset, a player or an operation, and later lifted it. Their tags
read as the feed's and the webhooks' event keys."""

from datetime import datetime
from typing import Literal

from domain.event_base import Event

FreezeScope = Literal["asset", "player", "operation"]


class FreezePlaced(Event, frozen=True, kw_only=True, tag="freeze.placed"):
    """An operator (or a monitor, `created_by` = `monitor:<id>`) froze an asset, a player
    (`target` their username, `player_id` their id) or an operation (version 1 of its stream)."""

    freeze_id: str
    scope: FreezeScope
    target: str
    reason: str
    created_by: str
    occurred_at: datetime
    player_id: str | None = None


class FreezeLifted(Event, frozen=True, kw_only=True, tag="freeze.lifted"):
    """The freeze no longer holds (version 2 of its stream, its last)."""

    freeze_id: str
    reason: str
    lifted_by: str
    occurred_at: datetime
