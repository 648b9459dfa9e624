"""The monitors projector (DESIGN-NOTES note 16): each monitor's rule evaluated on the log,
exactly once per event like any read model, from per-second buckets (never a scan of history).

A batch adds what its events count to the buckets of the monitors defined before them, then
evaluates each (monitor, subject) it touched, or that is firing, over its window ending at the
batch's last event. A subject that starts breaking its rule fires: an event on the monitor's
stream (so the feed and the webhook `monitor.fired` carry it), the counter
`gameledger_monitor_fired_total{monitor}` and, with `action: freeze`, a freeze on a `freeze:`
stream, its NOTIFY sent when the batch commits. These writes commit with the checkpoint, so a
restart never fires twice; a rebuild (shadow tables) recomputes the state and fires nothing.

The pure fold is in projections/monitor_fold.py, what a firing writes in
projections/monitor_firing.py, and the operators' view of the state in
projections/monitor_states.py.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import cast

import msgspec

from domain.monitor_events import MonitorDefined, MonitorRule
from domain.monitors import broken
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Projection, Table, Tables, sql
from projections.monitor_firing import fire, label_of
from projections.monitor_fold import Action, Batch, Monitor, fold

TABLES = ("rm_monitors", "rm_monitor_buckets", "rm_monitor_firing", "rm_monitor_treasury")

_DEFINED = Table(
    "rm_monitors",
    "monitor_id text, name text, rule jsonb, action text",
    "ON CONFLICT (monitor_id) DO NOTHING",
)
_BUCKETS = Table(
    "rm_monitor_buckets",
    "monitor_id text, subject text, second bigint, amount bigint",
    "ON CONFLICT (monitor_id, subject, second) DO UPDATE SET amount = t.amount + EXCLUDED.amount",
)
_TREASURY = Table(
    "rm_monitor_treasury",
    "asset text, treasury bigint",
    "ON CONFLICT (asset) DO UPDATE SET treasury = t.treasury + EXCLUDED.treasury",
)
_MONITORS = "SELECT monitor_id, name, rule, action FROM {rm_monitors}"
_SUMS = """
SELECT k.m, k.s, coalesce(sum(b.amount), 0)::bigint AS value
  FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(m, s, since)
  LEFT JOIN {rm_monitor_buckets} b ON b.monitor_id = k.m AND b.subject = k.s AND b.second > k.since
 GROUP BY k.m, k.s
"""
_TREASURIES = "SELECT asset, treasury FROM {rm_monitor_treasury}"
_FIRING = "SELECT monitor_id, subject FROM {rm_monitor_firing}"
_FIRE = """
INSERT INTO {rm_monitor_firing} (monitor_id, subject, label, fired_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""
_CLEAR = "DELETE FROM {rm_monitor_firing} WHERE monitor_id = $1 AND subject = $2"
_STATE = """
UPDATE {rm_monitors} m SET
    last_value = $2,
    fired_at = coalesce($3, m.fired_at),
    fired = m.fired + $4,
    state = CASE WHEN EXISTS (SELECT 1 FROM {rm_monitor_firing} f WHERE f.monitor_id = m.monitor_id)
                 THEN 'firing' ELSE 'ok' END
 WHERE monitor_id = $1
"""
# Buckets that have left every window: the oldest second any monitor can still ask for.
_PRUNE = """
DELETE FROM {rm_monitor_buckets} b USING {rm_monitors} m
 WHERE b.monitor_id = m.monitor_id AND b.second <= $1 - (m.rule->>'window_seconds')::bigint
"""


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and evaluate one batch (side effects only on the live tables)."""
    monitors = await _load(conn, tables)
    defined = [_defined(s) for s in events if isinstance(s.event, MonitorDefined)]
    await _DEFINED.write(conn, [(m.monitor_id, m.name, m.rule, m.action) for m in defined], tables)
    monitors.update({m.monitor_id: m for m in defined})
    batch = fold(events, monitors)
    await _BUCKETS.write(conn, _rows(batch), tables)
    await _TREASURY.write(conn, sorted(batch.treasury.items()), tables)
    if monitors and batch.at is not None:
        live = tables["rm_monitors"] == "rm_monitors"
        await _evaluate(conn, monitors, batch, tables, live)
        await conn.execute(sql(_PRUNE, tables), batch.end)


def _rows(batch: Batch) -> list[tuple[str, str, int, int]]:
    return [(m, s, second, amount) for (m, s, second), amount in sorted(batch.buckets.items())]


def _defined(stored: StoredEvent) -> Monitor:
    event = stored.event
    assert isinstance(event, MonitorDefined)
    return Monitor(event.monitor_id, event.name, event.rule, event.action, stored.global_position)


async def _load(conn: Conn, tables: Tables) -> dict[str, Monitor]:
    rows = await conn.fetch(sql(_MONITORS, tables))
    return {
        r["monitor_id"]: Monitor(
            r["monitor_id"],
            r["name"],
            msgspec.json.decode(r["rule"], type=MonitorRule),
            cast(Action, r["action"]),
        )
        for r in rows
    }


async def _evaluate(
    conn: Conn, monitors: dict[str, Monitor], batch: Batch, tables: Tables, live: bool
) -> None:
    """Each subject touched or firing, against its rule: fire the new ones, clear the mended."""
    firing = {(r["monitor_id"], r["subject"]) for r in await conn.fetch(sql(_FIRING, tables))}
    keys = sorted({*batch.touched, *(k for k in firing if k[0] in monitors)})
    values = await _values(conn, monitors, keys, batch.end, tables)
    changed: dict[str, tuple[int, datetime | None, int]] = {}
    for key in keys:
        monitor, value = monitors[key[0]], values[key]
        fired_at = None
        if broken(monitor.rule, value) and key not in firing:
            fired_at = batch.at
            label = await label_of(conn, monitor, key[1])
            await conn.execute(sql(_FIRE, tables), key[0], key[1], label, fired_at)
            if live:
                position = batch.touched.get(key, 0)
                await fire(conn, monitor, key[1], label, value, position, batch)
        elif not broken(monitor.rule, value) and key in firing:
            await conn.execute(sql(_CLEAR, tables), *key)
        # A per-player rule shows its highest player's value.
        was, was_at, count = changed.get(key[0], (value, None, 0))
        shown = max(was, value) if monitor.rule.kind == "player_inflow" else value
        changed[key[0]] = (shown, fired_at or was_at, count + (fired_at is not None))
    for monitor_id, (value, fired_at, count) in sorted(changed.items()):
        await conn.execute(sql(_STATE, tables), monitor_id, value, fired_at, count)


async def _values(
    conn: Conn, monitors: dict[str, Monitor], keys: list[tuple[str, str]], end: int, tables: Tables
) -> dict[tuple[str, str], int]:
    """Each key's value: its window's sum, or its asset's treasury for treasury_low."""
    treasury = {r["asset"]: r["treasury"] for r in await conn.fetch(sql(_TREASURIES, tables))}
    windowed = [k for k in keys if monitors[k[0]].rule.kind != "treasury_low"]
    since = [end - monitors[m].rule.window_seconds for m, _ in windowed]
    rows = await conn.fetch(
        sql(_SUMS, tables), [m for m, _ in windowed], [s for _, s in windowed], since
    )
    values = {(r["m"], r["s"]): r["value"] for r in rows}
    for key in keys:
        rule = monitors[key[0]].rule
        if rule.kind == "treasury_low":
            values[key] = treasury.get(rule.asset or "", 0)
    return values


PROJECTION = Projection(name="monitors", tables=TABLES, apply=project)
