"""Monitors (DESIGN-NOTES note 16): an operator's rule, defined as version 1 of its own
`monitor:<id>` stream; the monitors projector (projections/monitors.py) evaluates it."""

from datetime import datetime
from typing import Literal, get_args

import msgspec

from domain import accounts
from domain.assets import Catalog
from domain.commands import DefineMonitor
from domain.errors import InvalidInput
from domain.events import TransferCode
from domain.ledger import Append, Decision
from domain.monitor_events import MonitorDefined, MonitorRule
from domain.transfer_errors import UnknownAsset
from service.context import Context
from service.job import Heads, Job, Sender, principal

MONITORS_SCOPE = "monitors"  # where a new monitor's idempotency key lives (its id is new)


class MonitorResult(msgspec.Struct, frozen=True, kw_only=True):
    """A monitor as defined."""

    monitor_id: str
    name: str
    rule: MonitorRule
    action: Literal["alert", "freeze"]
    created_at: datetime
    created_by: str


def check_rule(rule: MonitorRule, action: str, catalog: Catalog) -> None:
    """Refuse a rule that names what does not exist or lacks what its kind (or its freeze)
    needs."""
    if rule.kind != "transfers_rate" and rule.asset is None:
        raise InvalidInput(f"a {rule.kind} monitor needs an asset", kind=rule.kind)
    if rule.asset is not None and rule.asset not in catalog.asset_codes():
        raise UnknownAsset(f"there is no asset '{rule.asset}'", asset=rule.asset)
    if rule.code is not None and rule.code not in get_args(TransferCode):
        raise InvalidInput(f"there is no transfer code '{rule.code}'", code=rule.code)
    if action == "freeze" and rule.asset is None and rule.code is None:
        raise InvalidInput("a monitor that freezes needs an asset or a code to freeze")


def define_monitor(
    ctx: Context, cmd: DefineMonitor, key: str | None, caller: Sender
) -> Job[MonitorResult]:
    """The job that appends a new monitor's definition."""
    monitor_id = ctx.new_id()
    stream = accounts.monitor_stream(monitor_id)
    rule = MonitorRule(
        kind=cmd.kind,
        window_seconds=cmd.window_seconds,
        threshold=cmd.threshold,
        asset=cmd.asset,
        code=cmd.code,
    )

    async def decide(heads: Heads) -> tuple[Decision, MonitorResult]:
        del heads
        check_rule(rule, cmd.action, ctx.catalog)
        defined = MonitorDefined(
            monitor_id=monitor_id,
            name=cmd.name,
            rule=rule,
            action=cmd.action,
            created_by=principal(caller),
            occurred_at=ctx.clock(),
        )
        decision = Decision(appends=(Append(stream=stream, expected=0, events=(defined,)),))
        return decision, MonitorResult(
            monitor_id=monitor_id,
            name=cmd.name,
            rule=rule,
            action=cmd.action,
            created_at=defined.occurred_at,
            created_by=defined.created_by,
        )

    return Job(
        command=cmd,
        scope=MONITORS_SCOPE,
        key=key,
        decide=decide,
        result_type=MonitorResult,
        streams=lambda: (stream,),
    )
