"""Bodies of the live-operations API: freezes and monitors (camelCase on the wire)."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from api.http.schemas import Request, Response
from api.ops.schemas import Reason

Target = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        description="An asset code, a username or an operation (GET /admin/freezes lists them)",
        examples=["gem"],
    ),
]
Scope = Literal["asset", "player", "operation"]
Kind = Literal["supply_growth", "player_inflow", "transfers_rate", "treasury_low"]
Action = Literal["alert", "freeze"]


class FreezeRequest(Request):
    """Stop every write that would move an asset, a player or an operation."""

    scope: Scope
    target: Target
    reason: Reason


class LiftRequest(Request):
    """Why the freeze ends."""

    reason: Reason


class FreezeResponse(Response):
    """A freeze (lifted ones carry when, by whom and why)."""

    freeze_id: str
    scope: Scope
    target: str
    reason: str
    created_at: datetime
    created_by: str
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None


class FreezesResponse(Response):
    """The freezes in force, oldest first, and the operations one may freeze."""

    freezes: list[FreezeResponse]
    operations: list[str]


class Rule(Request):
    """What a monitor watches over its window."""

    kind: Kind
    window_seconds: Annotated[int, Meta(ge=1, le=7 * 24 * 3600)]
    threshold: Annotated[int, Meta(ge=0, le=2**53 - 1)]
    asset: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    code: (
        Annotated[
            str,
            Meta(min_length=1, max_length=64, description="transfers_rate: count only this code"),
        ]
        | None
    ) = None


class MonitorRequest(Request):
    """A monitor: its name, its rule and what it does when it fires."""

    name: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"\S")]
    rule: Rule
    action: Action


class RuleView(Response):
    """A monitor's rule."""

    kind: Kind
    window_seconds: int
    threshold: int
    asset: str | None = None
    code: str | None = None


class MonitorResponse(Response):
    """A monitor and its state: `firing` while its rule is broken (`firing` names the players
    for player_inflow), with the value last evaluated and when it last fired."""

    monitor_id: str
    name: str
    rule: RuleView
    action: Action
    created_at: datetime
    created_by: str
    state: Literal["ok", "firing"] = "ok"
    last_value: int | None = None
    fired_at: datetime | None = None
    fired: int = 0
    firing: list[str] = msgspec.field(default_factory=list)


class MonitorsResponse(Response):
    """Every monitor, oldest first."""

    monitors: list[MonitorResponse]
