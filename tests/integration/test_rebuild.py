"""Rebuilds: shadows filled from the log and swapped in while the live models keep serving."""

import asyncio
import io
import random

import asyncpg
import pytest

from projections import cursor, queries
from projections.audit import run_audit, summary
from projections.progress import Progress
from projections.rebuild import RebuildBusy, rebuild
from projections.runner import catch_up
from service.ledger import LedgerService
from tests.integration.projection_support import (
    dump_models,
    play,
    projectors,
    traffic,
    wait_caught_up,
)

CANONICAL_INDEXES = {
    "rm_players_pkey",
    "rm_inventory_pkey",
    "rm_wallets_pkey",
    "rm_wallet_escrows_pkey",
    "rm_wallet_escrows_player_id_idx",
    "rm_accounts_pkey",
    "rm_treasury_pkey",
    "rm_history_pkey",
    "rm_history_occurred_at_idx",
    "rm_history_player_id_code_version_idx",
    "rm_history_player_id_occurred_at_version_idx",
    "rm_history_player_id_metadata_idx",
    "rm_history_player_id_jsonb_path_query_array_idx",
    "rm_holds_pkey",
    "rm_holds_expires_at_idx",
    "rm_holds_player_id_idx",
    "rm_holds_placed_by_placed_position_idx",
    "rm_holds_placed_position_idx",
    "rm_trades_pkey",
    "rm_trades_expires_at_idx",
    "rm_trades_offerer_id_idx",
    "rm_trades_recipient_id_idx",
    "rm_lots_pkey",
    "rm_lots_next_expires_at_idx",
    "rm_monitors_pkey",
    "rm_monitor_buckets_pkey",
    "rm_monitor_firing_pkey",
    "rm_monitor_treasury_pkey",
}


async def index_names(pool: asyncpg.Pool) -> set[str]:
    rows = await pool.fetch("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'rm_%'")
    return {r["indexname"] for r in rows}


async def test_rebuild_reproduces_the_live_models(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await traffic(ledger, players=4, rounds=5)
    await catch_up(pool)
    live = await dump_models(pool)
    for _ in range(2):  # twice: the second shadow must not clash with the first one's names
        reports = await rebuild(pool, batch_size=100)
        assert await dump_models(pool) == live
    total = await pool.fetchval("SELECT count(*) FROM events")
    assert {r.name: r.events for r in reports} == dict.fromkeys(
        ["players", "accounts", "treasury", "history", "holds", "trades", "lots", "monitors"],
        total,
    )
    checkpoints = await pool.fetch("SELECT name, events_applied FROM projector_checkpoints")
    assert {r["name"]: r["events_applied"] for r in checkpoints} == {r.name: total for r in reports}
    assert await index_names(pool) == CANONICAL_INDEXES
    assert await pool.fetchval("SELECT count(*) FROM pg_tables WHERE tablename LIKE '%shadow'") == 0


async def test_rebuild_repairs_a_damaged_model(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    [pid, *_] = await traffic(ledger, players=2, rounds=3)
    await catch_up(pool)
    await pool.execute("UPDATE rm_players SET balance = 0 WHERE player_id = $1", pid)
    await pool.execute("DELETE FROM rm_inventory WHERE player_id = $1", pid)
    await rebuild(pool, ["players"])
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)


async def test_one_rebuild_at_a_time(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    async with pool.acquire() as other:
        await other.execute(
            "SELECT pg_advisory_lock($1, hashtext('treasury'))", cursor.LOCK_REBUILD
        )
        with pytest.raises(RebuildBusy, match="treasury"):
            await rebuild(pool, ["treasury"])
        await other.execute("SELECT pg_advisory_unlock_all()")


async def test_progress_bar_shows_rate_and_eta(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    await traffic(ledger, players=2, rounds=2)
    await rebuild(pool, ["history"], progress=lambda label, total: Progress(label, total, screen))
    last = screen.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith("history")
    assert "100%" in last
    assert "ev/s" in last
    assert "ETA 0:00" in last


async def watch_reads(pool: asyncpg.Pool, players: list[str], stop: asyncio.Event) -> int:
    """Read the live models until `stop`; fail on an error or on anything going backwards."""
    versions = dict.fromkeys(players, 0)
    entries = dict.fromkeys(players, 0)
    credited = reads = 0
    while not stop.is_set():
        pid = random.choice(players)
        async with pool.acquire() as conn:
            view = await queries.player_view(conn, pid, min_version=1, wait_seconds=0)
            page = await queries.history_page(
                conn, pid, before_version=None, limit=1, wait_seconds=0
            )
            treasury = await queries.treasury_view(conn)
        assert view is not None
        assert view.version >= versions[pid]
        newest = page.entries[0].version if page.entries else 0
        assert newest >= entries[pid]
        diamond = next(a for a in treasury.assets if a.asset == "diamond")
        assert diamond.inflow_credited >= credited
        versions[pid], entries[pid], credited = view.version, newest, diamond.inflow_credited
        reads += 1
    return reads


async def keep_playing(ledger: LedgerService, pid: str, seed: int, stop: asyncio.Event) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        await play(ledger, pid, 1, rng)


async def test_rebuild_while_writes_continue(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    players = await traffic(ledger, players=6, rounds=2)
    async with projectors(pool):
        await wait_caught_up(pool)
        stop_reading, stop_writing = asyncio.Event(), asyncio.Event()
        readers = [asyncio.create_task(watch_reads(pool, players, stop_reading)) for _ in range(3)]
        writers = [
            asyncio.create_task(keep_playing(ledger, pid, n, stop_writing))
            for n, pid in enumerate(players)
        ]
        sizes = []
        for _ in range(3):
            sizes.append(await pool.fetchval("SELECT count(*) FROM events"))
            await rebuild(pool, batch_size=200)
        stop_writing.set()
        await asyncio.gather(*writers)
        stop_reading.set()
        reads = await asyncio.gather(*readers)
        await wait_caught_up(pool)
    assert sizes[0] < sizes[1] < sizes[2]  # the log grew during every rebuild
    assert all(n > 0 for n in reads)
    live = await dump_models(pool)
    await rebuild(pool)
    assert await dump_models(pool) == live
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)
