"""What a monitor that starts breaking its rule writes, with the projector's batch
(projections/monitors.py): a `monitor.fired` event on its `monitor:` stream, the counter
`gameledger_monitor_fired_total{monitor}` and, with `action: freeze`, a freeze on a `freeze:`
stream (unless one already stops what it watches), its NOTIFY sent when the batch commits."""

from datetime import datetime

from domain import accounts
from domain.freeze_events import FreezePlaced, FreezeScope
from domain.freezes import operation
from domain.ledger import Append
from domain.monitor_events import MonitorFired
from infra import credentials, eventstore, freeze_store, ids, metrics
from infra.db import Conn
from projections.monitor_fold import Batch, Monitor


async def label_of(conn: Conn, monitor: Monitor, subject: str) -> str:
    """How the firing names its subject: the player's username, else the rule's asset."""
    if monitor.rule.kind == "player_inflow":
        login = await credentials.by_player(conn, subject)
        return login.username if login else subject
    return monitor.rule.asset or monitor.rule.code or "*"


async def fire(
    conn: Conn, monitor: Monitor, subject: str, label: str, value: int, position: int, batch: Batch
) -> None:
    """The firing's event, its freeze (action `freeze`) and its counter, with the batch."""
    assert batch.at is not None
    freeze_id = None
    if monitor.action == "freeze":
        freeze_id = await _freeze(conn, monitor, subject, label, value, batch.at)
    stream = accounts.monitor_stream(monitor.monitor_id)
    head = await eventstore.latest(conn, stream)
    fired = MonitorFired(
        monitor_id=monitor.monitor_id,
        name=monitor.name,
        rule=monitor.rule,
        action=monitor.action,
        value=value,
        position=position,
        occurred_at=batch.at,
        player_id=subject if monitor.rule.kind == "player_inflow" else None,
        username=label if monitor.rule.kind == "player_inflow" else None,
        freeze_id=freeze_id,
    )
    append = Append(stream=stream, expected=head.version if head else 0, events=(fired,))
    await eventstore.append(conn, (append,), metadata={"actor": stream})
    metrics.MONITOR_FIRED.labels(monitor.name).inc()


def frozen_target(monitor: Monitor, subject: str, label: str) -> tuple[FreezeScope, str] | None:
    """What a monitor with `action: freeze` freezes: the player for player_inflow, else the
    rule's asset, else (transfers_rate of a code) the code's operation."""
    rule = monitor.rule
    if rule.kind == "player_inflow":
        return "player", label
    if rule.asset is not None:
        return "asset", rule.asset
    if rule.code is not None:
        return "operation", operation(rule.code)
    return None


async def _freeze(
    conn: Conn, monitor: Monitor, subject: str, label: str, value: int, at: datetime
) -> str | None:
    """Freeze what the monitor watches, unless a freeze already stops it; the freeze's id."""
    found = frozen_target(monitor, subject, label)
    if found is None:
        return None
    scope, target = found
    player_id = subject if scope == "player" else None
    for active in await freeze_store.read_active(conn):
        if active.scope == scope and (active.player_id or active.target) == (player_id or target):
            return active.freeze_id
    rule = monitor.rule
    placed = FreezePlaced(
        freeze_id=ids.new_id(),
        scope=scope,
        target=target,
        reason=f"monitor {monitor.name}: {rule.kind} {value}, threshold {rule.threshold}",
        created_by=accounts.monitor_stream(monitor.monitor_id),
        occurred_at=at,
        player_id=player_id,
    )
    stream = accounts.freeze_stream(placed.freeze_id)
    append = Append(stream=stream, expected=0, events=(placed,))
    await eventstore.append(conn, (append,), metadata={"actor": placed.created_by})
    await freeze_store.notify(conn)  # delivered when the batch commits
    return placed.freeze_id
