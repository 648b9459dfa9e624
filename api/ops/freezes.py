"""Live operations (admin): freeze an asset, a player or an operation and lift the freeze;
define monitors and see their state (DESIGN-NOTES note 16, README "When something goes wrong
in the economy")."""

from typing import Annotated

import msgspec
from litestar import get
from litestar.params import JSONBody, PathParameter

from api.http.problems import responses
from api.http.rooms import AdminRoom
from api.http.services import Svc
from api.http.writes import Write, write_route
from api.ops.freeze_schemas import (
    FreezeRequest,
    FreezeResponse,
    FreezesResponse,
    LiftRequest,
    MonitorRequest,
    MonitorResponse,
    MonitorsResponse,
    RuleView,
)
from domain.commands import DefineMonitor, LiftFreeze, PlaceFreeze
from domain.freezes import OPERATIONS, ActiveFreeze
from domain.monitor_events import MonitorDefined
from infra import eventstore_reads, freeze_store
from infra.db import connection
from projections import monitor_states
from service.freezes import FreezeResult, announce
from service.monitors import MonitorResult

FreezeId = Annotated[
    str, PathParameter(pattern=r"^[0-9A-Za-z_-]{1,64}$", description="The freeze's id")
]


class FreezeController(AdminRoom):
    """`/admin/freezes`: what operators stopped, and lifting it."""

    path = "/admin/freezes"

    @write_route("/", status_code=201, refuses=(400, 401, 403, 404, 409, 413, 422))
    async def place(self, write: Write, data: JSONBody[FreezeRequest]) -> FreezeResponse:
        """Freeze an asset, a player or an operation

        Every process refuses, within a second, each write that would move it: 423 `frozen`,
        naming `freezeId` and `reason`. A frozen player's writes and the writes paying them
        are refused; reads still answer; operators' corrections (reversals) pass."""
        command = PlaceFreeze(**msgspec.structs.asdict(data))
        result: FreezeResult = await write.handle(command)
        await announce(write.services.ledger)
        return _freeze(result)

    @get("/", summary="The freezes in force", responses=responses(401, 403))
    async def active(self, services: Svc) -> FreezesResponse:
        """Every freeze not lifted, oldest first, and the operations one may freeze."""
        async with connection(services.pool) as conn:
            found = await freeze_store.read_active(conn)
        return FreezesResponse(freezes=[_active(f) for f in found], operations=list(OPERATIONS))

    @write_route(
        "/{freeze_id:str}/lift", status_code=200, refuses=(400, 401, 403, 404, 409, 413, 422)
    )
    async def lift(
        self, write: Write, freeze_id: FreezeId, data: JSONBody[LiftRequest]
    ) -> FreezeResponse:
        """Lift a freeze

        What it stopped moves again, in every process within a second."""
        command = LiftFreeze(freeze_id=freeze_id, reason=data.reason)
        result: FreezeResult = await write.handle(command)
        await announce(write.services.ledger)
        return _freeze(result)


class MonitorController(AdminRoom):
    """`/admin/monitors`: rules the monitors projector evaluates on the log."""

    path = "/admin/monitors"

    @write_route("/", status_code=201, refuses=(400, 401, 403, 413, 422))
    async def define(self, write: Write, data: JSONBody[MonitorRequest]) -> MonitorResponse:
        """Define a monitor

        `supply_growth`: the asset's circulating supply grew by more than `threshold` within
        the window. `player_inflow`: one player received more than `threshold` of the asset
        within the window (the firing names the player). `transfers_rate`: more than
        `threshold` transfers (of `code`, if given) within the window. `treasury_low`: the
        asset's treasury is below `threshold`. When it fires: an event on its stream, the
        webhook event `monitor.fired`, `gameledger_monitor_fired_total{monitor}`, an alert in
        the console and, with `action: freeze`, a freeze of the asset (of the player for
        `player_inflow`)."""
        rule = data.rule
        command = DefineMonitor(
            name=data.name,
            action=data.action,
            kind=rule.kind,
            window_seconds=rule.window_seconds,
            threshold=rule.threshold,
            asset=rule.asset,
            code=rule.code,
        )
        result: MonitorResult = await write.handle(command)
        return MonitorResponse(
            monitor_id=result.monitor_id,
            name=result.name,
            rule=RuleView(**msgspec.structs.asdict(result.rule)),
            action=result.action,
            created_at=result.created_at,
            created_by=result.created_by,
        )

    @get("/", summary="Every monitor and its state", responses=responses(401, 403))
    async def list_all(self, services: Svc) -> MonitorsResponse:
        """Each monitor with `state` (`ok` | `firing`), `lastValue` and `firedAt`, as the
        monitors projector last evaluated it."""
        async with connection(services.pool) as conn:
            defined = await eventstore_reads.monitor_definitions(conn)
            states = await monitor_states.states(conn)
        shown = []
        for stored in defined:
            event = stored.event
            if not isinstance(event, MonitorDefined):
                continue
            state = states.get(event.monitor_id)
            shown.append(
                MonitorResponse(
                    monitor_id=event.monitor_id,
                    name=event.name,
                    rule=RuleView(**msgspec.structs.asdict(event.rule)),
                    action=event.action,
                    created_at=event.occurred_at,
                    created_by=event.created_by,
                    **(msgspec.structs.asdict(state) if state else {}),
                )
            )
        return MonitorsResponse(monitors=shown)


def _freeze(result: FreezeResult) -> FreezeResponse:
    return FreezeResponse(**msgspec.structs.asdict(result))


def _active(found: ActiveFreeze) -> FreezeResponse:
    fields = msgspec.structs.asdict(found)
    fields.pop("player_id")
    return FreezeResponse(**fields)
