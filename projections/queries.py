"""The read API over the read models, for the HTTP layer.

A player's own reads are read-your-writes: they wait (bounded) until the projection has passed
the player's latest version, and say `stale=True` when it has not in time. Other views are
eventually consistent; `projector_status` shows by how much.
"""

import asyncio
import time
from datetime import datetime
from typing import Any

import msgspec

from domain import accounts
from domain.assets import CURRENCY
from domain.events import Transferred
from domain.timed import TimedState
from infra import eventstore, eventstore_reads
from infra.db import Conn
from projections import cursor
from projections.history_query import NO_FILTER, HistoryFilter, page_sql
from projections.registry import PROJECTIONS
from projections.views import (
    AssetTotals,
    EnergyEntry,
    HistoryEntry,
    HistoryPage,
    Leg,
    PlayerView,
    ProjectorStatus,
    ShardView,
    TreasuryView,
)

__all__ = [
    "AssetTotals",
    "HistoryEntry",
    "HistoryFilter",
    "HistoryPage",
    "PlayerView",
    "ProjectorStatus",
    "ShardView",
    "TreasuryView",
    "history_page",
    "player_view",
    "projector_status",
    "transfers_per_minute",
    "treasury_view",
]

_LAST = 2**63 - 1

# The player's stream head and wallet row (projections/wallets.py) in one statement, so both
# come from one snapshot: two index probes, nothing summed or decoded in the database. The
# jsonb columns come as text, and '{}' (most players' held and debt) is not decoded at all.
_WALLET = f"""
SELECT h.head, w.version, w.username, w.referral_code, w.state, w.held, w.debt, w.timed
  FROM ({eventstore_reads.head_sql("$2")}) AS h
  LEFT JOIN rm_wallets AS w ON w.player_id = $1
"""


async def _fetch_player(conn: Conn, player_id: str) -> Any:
    return await conn.fetchrow(_WALLET, player_id, accounts.player_account(player_id))


async def player_view(
    conn: Conn, player_id: str, *, min_version: int | None = None, wait_seconds: float = 2.0
) -> PlayerView | None:
    """The player's wallet once it reflects `min_version` (default: the stream's head)."""
    row: Any = await _fetch_player(conn, player_id)
    head = row["head"]
    if head is None:
        return None
    target = head if min_version is None else min(min_version, head)
    if (row["version"] or 0) < target:
        row = await _wait(conn, player_id, row, target, wait_seconds)
    return await _player(conn, player_id, row, stale=(row["version"] or 0) < target)


async def _wait(conn: Conn, player_id: str, row: Any, target: int, seconds: float) -> Any:
    """Read the row again (pausing, bounded) until it has reached `target`."""
    deadline = time.monotonic() + seconds
    pause = 0.005
    while (row["version"] or 0) < target and time.monotonic() + pause < deadline:
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)
        row = await _fetch_player(conn, player_id)
    return row


_amounts = msgspec.json.Decoder(dict[str, int])
_timed = msgspec.json.Decoder(TimedState)


def _decoded(text: str | None) -> dict[str, int]:
    return {} if text is None or text == "{}" else _amounts.decode(text)


async def _player(conn: Conn, player_id: str, row: Any, *, stale: bool) -> PlayerView:
    username, code = row["username"], row["referral_code"]
    if username is None:  # not projected yet: the registration event has the profile
        _, first = await eventstore_reads.head_and_first(conn, accounts.player_account(player_id))
        payload = msgspec.json.decode(first or "{}")
        username, code = payload["username"], payload["referral_code"]
    state = _decoded(row["state"])
    timed = row["timed"]
    return PlayerView(
        player_id=player_id,
        username=username,
        referral_code=code,
        balance=state.pop(CURRENCY, 0),
        version=row["version"] or 0,
        inventory={asset: n for asset, n in state.items() if n},
        held=_decoded(row["held"]),
        debt=_decoded(row["debt"]),
        stale=stale,
        timed=None if timed is None else _timed.decode(timed),
    )


_legs = msgspec.json.Decoder(list[Leg])
_state = msgspec.json.Decoder(dict[str, int])
_labels = msgspec.json.Decoder(dict[str, str])
_energy = msgspec.json.Decoder(EnergyEntry)


async def history_page(
    conn: Conn,
    player_id: str,
    *,
    before_version: int | None,
    limit: int,
    min_version: int | None = None,
    wait_seconds: float = 2.0,
    filters: HistoryFilter = NO_FILTER,
) -> HistoryPage:
    """Entries newest first, older than `before_version`; `next_cursor` pages further back.

    With `filters`, only the entries that match (the cursor is still a version, so a filtered
    page's `next_cursor` pages on through the filtered entries)."""
    stale = not await wait_covered(conn, player_id, min_version or _LAST, wait_seconds)
    sql, args = page_sql(player_id, before_version or _LAST, limit + 1, filters)
    rows = await conn.fetch(sql, *args)
    entries = [_entry(row) for row in rows[:limit]]
    more = len(rows) > limit and entries
    return HistoryPage(
        entries=entries, next_cursor=str(entries[-1].version) if more else None, stale=stale
    )


async def wait_covered(conn: Conn, player_id: str, version: int, seconds: float) -> bool:
    """Whether the history projector has passed the player's event at `version` (waiting)."""
    deadline = time.monotonic() + seconds
    pause = 0.005
    while True:
        covered = await cursor.passed(conn, "history", accounts.player_account(player_id), version)
        if covered is None or covered:  # no such event: nothing to wait for
            return True
        if time.monotonic() + pause >= deadline:
            return False
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)


def _entry(row: Any) -> HistoryEntry:
    return HistoryEntry(
        transfer_id=row["transfer_id"],
        code=row["code"],
        version=row["version"],
        legs=_legs.decode(row["legs"]),
        balance_after=row["balance_after"],
        state_after=_state.decode(row["state"]),
        item=row["item"],
        quantity=row["quantity"],
        reverses=row["reverses"],
        reason=row["reason"],
        occurred_at=row["occurred_at"],
        counterparty=row["counterparty"],
        memo=row["memo"],
        hold_id=row["hold_id"],
        metadata=_labels.decode(row["metadata"]),
        trade_id=row["trade_id"],
        energy=_energy.decode(row["energy"]) if row["energy"] else None,
    )


_TOTALS = """
SELECT asset, shards, inflow, inflow_credited, issued, circulating, updated_at
  FROM rm_treasury ORDER BY asset
"""

_SHARDS = f"""
SELECT a.account, a.balance, e.version, (e.payload->>'budget_after')::bigint AS budget
  FROM rm_accounts AS a
  LEFT JOIN LATERAL ({eventstore_reads.latest_sql("a.account", "version, payload")}) AS e ON true
 WHERE starts_with(a.account, $1) AND a.asset = $2
"""


async def _genesis(conn: Conn) -> dict[str, int]:
    """What the treasury's first event minted, per asset (what its issuers gave)."""
    stored = await eventstore.read_at(conn, accounts.TREASURY_STREAM, 1)
    minted: dict[str, int] = {}
    if stored is not None and isinstance(stored.event, Transferred):
        for leg in stored.event.legs:
            if accounts.is_issuer(leg.account):
                minted[leg.asset] = minted.get(leg.asset, 0) - leg.amount
    return minted


async def treasury_view(conn: Conn) -> TreasuryView:
    """Treasury totals per asset (as projected) and each shard's budget (from its stream)."""
    genesis = await _genesis(conn)
    assets = [
        AssetTotals(
            asset=r["asset"],
            shards=r["shards"],
            inflow=r["inflow"],
            treasury=r["shards"] + r["inflow"],
            issued=r["issued"],
            circulating=r["circulating"],
            inflow_credited=r["inflow_credited"],
            genesis=genesis.get(r["asset"]),
            updated_at=r["updated_at"],
        )
        for r in await conn.fetch(_TOTALS)
    ]
    shards = [
        ShardView(
            index=int(r["account"].rsplit(":", 1)[1]),
            account=r["account"],
            budget=r["budget"] or 0,
            balance=r["balance"],
            version=r["version"] or 0,
        )
        for r in await conn.fetch(_SHARDS, accounts.SHARD_PREFIX, CURRENCY)
    ]
    return TreasuryView(assets=assets, shards=sorted(shards, key=lambda s: s.index))


_LAG = eventstore_reads.lag_sql(
    "coalesce(c.transaction_id, '0'::xid8)", "coalesce(c.global_position, 0)"
)
_STATUS = f"""
SELECT n.name, c.transaction_id, c.global_position, c.events_applied, c.last_error,
       c.updated_at, lag.events AS lag_events,
       coalesce(extract(epoch FROM clock_timestamp() - lag.oldest), 0)::float8 AS lag_seconds,
       (SELECT coalesce(extract(epoch FROM max(clock_timestamp() - xact_start)), 0)::float8
          FROM pg_stat_activity WHERE backend_xid IS NOT NULL) AS horizon_age
  FROM (SELECT unnest($1::text[]) AS name UNION SELECT name FROM projector_checkpoints) AS n
  LEFT JOIN projector_checkpoints AS c ON c.name = n.name
 CROSS JOIN LATERAL ({_LAG}) AS lag
 ORDER BY n.name
"""


async def projector_status(conn: Conn) -> list[ProjectorStatus]:
    """Each projector's checkpoint, how far behind the log it is, and its last error."""
    rows = await conn.fetch(_STATUS, list(PROJECTIONS))
    return [
        ProjectorStatus(
            name=r["name"],
            position=r["global_position"] or 0,
            transaction_id=str(r["transaction_id"] or cursor.START.transaction_id),
            events_applied=r["events_applied"] or 0,
            lag_events=r["lag_events"],
            lag_seconds=r["lag_seconds"],
            last_error=r["last_error"],
            updated_at=r["updated_at"],
            horizon_age_seconds=r["horizon_age"],
        )
        for r in rows
    ]


_PER_MINUTE = """
SELECT m.minute, count(h.occurred_at) AS transfers
  FROM generate_series(date_trunc('minute', now()) - ($1::int - 1) * interval '1 minute',
                       date_trunc('minute', now()), interval '1 minute') AS m(minute)
  LEFT JOIN rm_history AS h
         ON h.occurred_at >= m.minute AND h.occurred_at < m.minute + interval '1 minute'
 GROUP BY m.minute ORDER BY m.minute
"""


async def transfers_per_minute(conn: Conn, minutes: int = 60) -> list[tuple[datetime, int]]:
    """Player transfers per minute over the last `minutes` minutes, oldest first, gaps as 0."""
    rows = await conn.fetch(_PER_MINUTE, max(1, minutes))
    return [(r["minute"], r["transfers"]) for r in rows]
