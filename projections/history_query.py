"""The SQL of a history page with its filters: one statement per combination of filters.

Each filter is a predicate an index serves (migrations/009_history_filters.sql), and the
statement is composed from fixed fragments, values always as $n: a catch-all form such as
`($3 IS NULL OR code = $3)` would leave the planner one generic plan that cannot use them.
The plans are in docs/history-queries.md.
"""

from datetime import datetime
from typing import Any

import msgspec

COLUMNS = """version, transfer_id, code, legs::text AS legs, balance_after,
       state_after::text AS state, item, quantity, reverses, reason, occurred_at, counterparty,
       memo, hold_id, metadata::text AS metadata, trade_id, energy::text AS energy"""

# The expression rm_history_player_id_jsonb_path_query_array_idx indexes: an entry's assets.
ASSETS = "jsonb_path_query_array(legs, '$[*].asset')"


class HistoryFilter(msgspec.Struct, frozen=True, kw_only=True):
    """What a page keeps: every filter given must hold (`since` inclusive, `until` exclusive)."""

    code: str | None = None
    asset: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    meta: dict[str, str] = {}


NO_FILTER = HistoryFilter()


def page_sql(
    player_id: str, before: int, limit: int, filters: HistoryFilter
) -> tuple[str, list[Any]]:
    """The statement and its arguments: entries older than `before`, newest first."""
    args: list[Any] = [player_id, before]
    where = ["player_id = $1", "version < $2"]

    def keep(clause: str, value: Any) -> None:
        args.append(value)
        where.append(clause.replace("?", f"${len(args)}"))

    if filters.code is not None:
        keep("code = ?", filters.code)
    if filters.asset is not None:
        keep(f"{ASSETS} @> ?::jsonb", msgspec.json.encode([filters.asset]).decode())
    if filters.since is not None:
        keep("occurred_at >= ?", filters.since)
    if filters.until is not None:
        keep("occurred_at < ?", filters.until)
    if filters.meta:
        keep("metadata @> ?::jsonb", msgspec.json.encode(filters.meta).decode())
    args.append(limit)
    sql = (
        f"SELECT {COLUMNS}\n  FROM rm_history WHERE {' AND '.join(where)}\n"
        f" ORDER BY version DESC LIMIT ${len(args)}"
    )
    return sql, args
