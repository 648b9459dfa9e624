"""The query plans of history filters and balances in the past: indexes, never a stream scan.

Plans are read with EXPLAIN over a read model of 300 players x 100 entries (VACUUM ANALYZEd:
the statistics cover every row, so the planner's choices are stable), plus one real 100-event
stream written through the ledger. No timing is asserted: the plan's nodes and, with ANALYZE,
the rows each node actually read. docs/history-queries.md shows the same plans.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import pytest

from domain.commands import SignUp, TopUp
from projections.history_query import HistoryFilter, page_sql
from projections.past import AT_TIME, AT_VERSION
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.projection_support import projectors, wait_caught_up

LAST = 2**63 - 1
START = datetime(2026, 1, 1, tzinfo=UTC)

# Player pN's entry v (2..101) occurs at START + v minutes; every 20th is a purchase of a
# gold coin, every 10th carries a match id, the others are diamond top-ups.
POPULATE = """
INSERT INTO rm_history (player_id, version, transfer_id, code, legs, balance_after,
                        state_after, occurred_at, metadata)
SELECT 'p' || p, v, 't' || p || '-' || v,
       CASE WHEN v % 20 = 0 THEN 'purchase' ELSE 'top_up' END,
       CASE WHEN v % 20 = 0
            THEN jsonb_build_array(
                     jsonb_build_object('account', 'player:p' || p, 'asset', 'diamond',
                                        'amount', -10),
                     jsonb_build_object('account', 'player:p' || p, 'asset', 'gold_coin',
                                        'amount', 1))
            ELSE jsonb_build_array(
                     jsonb_build_object('account', 'player:p' || p, 'asset', 'diamond',
                                        'amount', 1))
       END,
       v, jsonb_build_object('diamond', v), $1::timestamptz + v * interval '1 minute',
       CASE WHEN v % 10 = 0 THEN jsonb_build_object('matchId', 'm-' || p || '-' || v)
            ELSE '{}'::jsonb END
  FROM generate_series(1, 300) AS p, generate_series(2, 101) AS v
"""


async def populate(pool: asyncpg.Pool) -> None:
    """The synthetic read model, vacuumed and analyzed as autovacuum would leave it."""
    await pool.execute(POPULATE, START)
    await settle(pool)


async def settle(pool: asyncpg.Pool) -> None:
    # VACUUM also moves the GIN indexes' pending lists (rows inserted since the last vacuum,
    # which every query scans whole) into the indexes proper, as autovacuum does live.
    await pool.execute("VACUUM ANALYZE rm_history")


async def explain(pool: asyncpg.Pool, sql: str, *args: Any, analyze: bool = False) -> Any:
    """The plan's root node (EXPLAIN ... FORMAT JSON)."""
    options = "ANALYZE, TIMING OFF, FORMAT JSON" if analyze else "FORMAT JSON"
    raw = await pool.fetchval(f"EXPLAIN ({options}) {sql}", *args)
    return msgspec.json.decode(raw)[0]["Plan"]


def nodes(plan: Any) -> Iterator[Any]:
    """Every node of a plan, depth first."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def indexes_used(plan: Any) -> set[str]:
    return {n["Index Name"] for n in nodes(plan) if "Index Name" in n}


def scans(plan: Any) -> set[str]:
    return {n["Node Type"] for n in nodes(plan) if "Scan" in n["Node Type"]}


PAGES = [
    (HistoryFilter(), "rm_history_pkey"),
    (HistoryFilter(code="purchase"), "rm_history_player_id_code_version_idx"),
    (HistoryFilter(asset="gold_coin"), "rm_history_player_id_jsonb_path_query_array_idx"),
    (HistoryFilter(meta={"matchId": "m-7-50"}), "rm_history_player_id_metadata_idx"),
    (
        HistoryFilter(since=START + timedelta(minutes=40), until=START + timedelta(minutes=50)),
        "rm_history_player_id_occurred_at_version_idx",
    ),
]


@pytest.mark.parametrize(("filters", "index"), PAGES)
async def test_each_history_filter_is_served_by_its_index(
    pool: asyncpg.Pool, filters: HistoryFilter, index: str
) -> None:
    await populate(pool)
    sql, args = page_sql("p7", LAST, 21, filters)
    plan = await explain(pool, sql, *args)
    assert index in indexes_used(plan), plan
    assert "Seq Scan" not in scans(plan), plan


async def test_a_filtered_page_reads_only_the_matching_entries(pool: asyncpg.Pool) -> None:
    await populate(pool)
    sql, args = page_sql("p7", LAST, 21, HistoryFilter(code="purchase"))
    plan = await explain(pool, sql, *args, analyze=True)
    [scan] = [n for n in nodes(plan) if n.get("Index Name")]
    # p7's 5 purchases, out of its 100 entries and the table's 30,000.
    assert (scan["Actual Rows"], scan.get("Rows Removed by Filter", 0)) == (5, 0), plan


async def test_combined_filters_use_an_index_and_no_sequential_scan(pool: asyncpg.Pool) -> None:
    await populate(pool)
    filters = HistoryFilter(code="purchase", asset="gold_coin", meta={"matchId": "m-7-60"})
    sql, args = page_sql("p7", 80, 21, filters)
    plan = await explain(pool, sql, *args, analyze=True)
    assert indexes_used(plan), plan
    assert "Seq Scan" not in scans(plan), plan
    assert plan["Actual Rows"] == 1, plan


async def test_the_past_of_a_100_event_stream_is_one_index_probe(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await populate(pool)
    player = (
        await ledger.handle(SignUp(username="long"), caller=Sender(password_hash="h"))
    ).player_id
    for _ in range(99):
        await ledger.handle(TopUp(player_id=player, amount=1))
    async with projectors(pool):
        await wait_caught_up(pool)
    await settle(pool)
    middle = await pool.fetchval(
        "SELECT occurred_at FROM rm_history WHERE player_id = $1 AND version = 50", player
    )
    probes = [
        (AT_VERSION, 50, "rm_history_pkey"),
        (AT_TIME, middle, "rm_history_player_id_occurred_at_version_idx"),
    ]
    for sql, point, index in probes:
        plan = await explain(pool, sql, player, point, analyze=True)
        assert plan["Node Type"] == "Limit", plan
        [scan] = plan["Plans"]
        assert scan["Node Type"] == "Index Scan", plan  # no sort, no bitmap of many rows
        assert scan["Index Name"] == index, plan
        assert scan["Scan Direction"] == "Backward", plan
        assert scan["Actual Rows"] == 1, plan  # one entry read, of the stream's 100
        assert (await pool.fetchrow(sql, player, point))["version"] == 50


async def test_a_filter_most_entries_match_reads_one_page_of_the_newest(
    pool: asyncpg.Pool,
) -> None:
    await populate(pool)
    sql, args = page_sql("p7", LAST, 21, HistoryFilter(asset="diamond"))  # every entry
    plan = await explain(pool, sql, *args, analyze=True)
    [scan] = plan["Plans"]
    assert (scan["Index Name"], scan["Scan Direction"]) == ("rm_history_pkey", "Backward"), plan
    assert scan["Actual Rows"] == 21, plan  # one page read, not the player's 100 entries
