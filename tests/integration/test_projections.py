"""Projectors on a real database: read models, read-your-writes, the gap-safe cursor, status."""

import asyncio
from datetime import UTC, datetime

import asyncpg

from domain.commands import EconomyRules, OfferTrade, Purchase, TopUp
from domain.players import decide_top_up
from domain.state import player_state, shard_state
from infra import eventstore
from infra.config import Settings
from infra.waker import Waker
from projections import queries
from projections.audit import run_audit, summary
from projections.cursor import LOCK_ACTIVE
from projections.overdue import ReadModelOverdue
from projections.rebuild import rebuild
from projections.registry import PROJECTIONS
from projections.runner import RunnerOptions, catch_up, run_projectors
from service.bootstrap import writers
from service.ledger import LedgerService
from tests.integration.projection_support import (
    FAST,
    dump_models,
    projectors,
    sign_up_players,
    traffic,
    wait_caught_up,
)


async def test_read_models_match_the_ledger(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    ids = await traffic(ledger, players=4, rounds=6)
    await catch_up(pool)
    async with pool.acquire() as conn:
        for pid in ids:
            head = await eventstore.latest(conn, f"player:{pid}")
            state = player_state(pid, head)
            view = await queries.player_view(conn, pid)
            assert view is not None
            assert not view.stale
            assert (view.version, view.balance) == (state.version, state.balance("diamond"))
            items = {a: n for a, n in state.balances.items() if a != "diamond" and n}
            assert view.inventory == items
        treasury = await queries.treasury_view(conn)
    diamond = next(a for a in treasury.assets if a.asset == "diamond")
    players_total = await pool.fetchval("SELECT sum(balance) FROM rm_players")
    assert diamond.circulating == players_total
    assert diamond.treasury + diamond.circulating == diamond.issued == diamond.genesis
    assert sum(s.balance for s in treasury.shards) == diamond.shards
    assert all(s.budget == s.balance for s in treasury.shards)


async def test_history_pages_newest_first(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    [pid] = await sign_up_players(ledger, 1)
    for amount in range(1, 8):
        await ledger.handle(TopUp(player_id=pid, amount=amount))
    await catch_up(pool)
    seen: list[int] = []
    cursor: int | None = None
    async with pool.acquire() as conn:
        while True:
            page = await queries.history_page(conn, pid, before_version=cursor, limit=3)
            seen += [e.version for e in page.entries]
            if page.next_cursor is None:
                break
            cursor = int(page.next_cursor)
    assert seen == list(range(8, 1, -1))  # version 1 is the registration, not a transfer
    async with pool.acquire() as conn:
        first = (await queries.history_page(conn, pid, before_version=None, limit=1)).entries[0]
    assert (first.code, first.balance_after) == ("top_up", sum(range(1, 8)))
    assert {leg.account for leg in first.legs} >= {f"player:{pid}"}


async def test_reads_wait_for_the_players_own_writes(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    waker = Waker(pool)
    await waker.start()
    ledger.on_commit = waker.poke
    # A long poll: only the NOTIFY after each commit can make the reads fresh in time. The reads
    # wait up to 10 s (not the routes' 2 s), so a loaded machine's slow fold is not a failure,
    # while a missed NOTIFY (30 s to the next poll) still is.
    options = RunnerOptions(poll_interval=30)
    try:
        async with projectors(pool, options):
            [pid] = await sign_up_players(ledger, 1)
            for amount in (5, 6, 7):
                result = await ledger.handle(TopUp(player_id=pid, amount=amount))
                async with pool.acquire() as conn:
                    view = await queries.player_view(conn, pid, wait_seconds=10)
                    page = await queries.history_page(
                        conn, pid, before_version=None, limit=1, wait_seconds=10
                    )
                assert view is not None
                assert not view.stale
                assert (view.version, view.balance) == (result.version, result.balances["diamond"])
                assert page.entries[0].transfer_id == result.transfer_id
                assert not page.stale
    finally:
        await waker.stop()


async def test_reads_say_stale_when_the_projector_is_behind(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    [pid] = await sign_up_players(ledger, 1)
    await catch_up(pool)
    await ledger.handle(TopUp(player_id=pid, amount=9))
    async with pool.acquire() as conn:
        view = await queries.player_view(conn, pid, wait_seconds=0.05)
        page = await queries.history_page(
            conn, pid, before_version=None, limit=5, wait_seconds=0.05
        )
        assert await queries.player_view(conn, "nobody") is None
    assert view is not None
    assert view.stale
    assert (view.version, view.balance) == (1, 0)
    assert page.stale
    assert page.entries == []


async def test_what_a_players_own_offer_sets_aside_is_never_missing_from_a_fresh_read(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    # `held` comes from the trades and holds read models, which have checkpoints of their own:
    # a wallet read the moment the players projector had the offer said `held: {}`, not stale.
    alice, _ = await sign_up_players(ledger, 2)
    await ledger.handle(TopUp(player_id=alice, amount=30))
    await catch_up(pool)
    offer = OfferTrade(offerer_id=alice, to="player1", give={"diamond": 10}, want={"diamond": 1})
    await ledger.handle(offer)
    await catch_up(pool, ["players"])
    async with pool.acquire() as conn:
        behind = await queries.player_view(conn, alice, wait_seconds=0.05)
        await catch_up(pool)
        caught_up = await queries.player_view(conn, alice, wait_seconds=0.05)
    assert behind is not None
    assert behind.stale or behind.held == {"diamond": 10}, behind
    assert caught_up is not None
    assert not caught_up.stale
    assert caught_up.held == {"diamond": 10}


async def test_a_late_committing_writer_is_projected(
    pool: asyncpg.Pool, ledger: LedgerService, rules: EconomyRules
) -> None:
    alice, bob = await sign_up_players(ledger, 2)
    await catch_up(pool)
    naive_checkpoint = await pool.fetchval("SELECT max(global_position) FROM events")
    async with pool.acquire() as late:
        transaction = late.transaction()
        await transaction.start()
        # The late writer takes its global positions now...
        player = player_state(alice, await eventstore.latest(late, f"player:{alice}"))
        shard = shard_state(0, await eventstore.latest(late, "treasury:shard:0"))
        decision = decide_top_up(
            player, shard, TopUp(player_id=alice, amount=70), transfer_id="late",
            rules=rules, now=datetime.now(UTC),
        )  # fmt: skip
        await eventstore.append(late, decision.appends)
        # ...another writer takes later ones and commits first...
        await ledger.handle(Purchase(player_id=bob, item="gold_coin"))
        naive_batch = await pool.fetch(
            "SELECT global_position FROM events WHERE global_position > $1", naive_checkpoint
        )
        naive_checkpoint = max(r["global_position"] for r in naive_batch)
        # The horizon holds back everything behind the open writer.
        assert await catch_up(pool, wait_for_writers=False) == 0
        await transaction.commit()  # ...and the late writer commits last.
    late_rows = await pool.fetch(
        "SELECT global_position FROM events WHERE payload->>'transfer_id' = 'late'"
    )
    # A reader that remembers "the last position seen" has already passed the late event:
    assert all(r["global_position"] < naive_checkpoint for r in late_rows)
    skipped = await pool.fetch("SELECT 1 FROM events WHERE global_position > $1", naive_checkpoint)
    assert skipped == []
    # The horizon cursor projects it.
    await catch_up(pool)
    async with pool.acquire() as conn:
        alice_view = await queries.player_view(conn, alice, wait_seconds=0)
        bob_view = await queries.player_view(conn, bob, wait_seconds=0)
    assert alice_view is not None
    assert alice_view.balance == 50 + 70
    assert not alice_view.stale
    assert bob_view is not None
    assert bob_view.inventory == {"gold_coin": 1}


async def test_concurrent_projectors_apply_each_event_once(
    pool: asyncpg.Pool, ledger: LedgerService, db_dsn: str
) -> None:
    async with projectors(db_dsn), projectors(db_dsn), projectors(pool):
        await traffic(ledger, players=3, rounds=4)
        await asyncio.gather(*(catch_up(pool) for _ in range(3)))
        await wait_caught_up(pool)
    total = await pool.fetchval("SELECT count(*) FROM events")
    applied = await pool.fetch("SELECT name, events_applied FROM projector_checkpoints")
    assert {r["events_applied"] for r in applied} == {total}
    live = await dump_models(pool)
    await rebuild(pool)
    assert await dump_models(pool) == live


async def test_status_shows_lag_and_the_last_error(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await catch_up(pool)
    await pool.execute(
        "INSERT INTO events (stream_id, version, event_type, payload) "
        "VALUES ('mystery', 1, 'mystery_happened', '{}')"
    )
    async with projectors(pool, FAST), asyncio.timeout(10):
        while True:
            async with pool.acquire() as conn:
                if all(s.last_error for s in await queries.projector_status(conn)):
                    break
            await asyncio.sleep(0.02)
    async with pool.acquire() as conn:
        status = {s.name: s for s in await queries.projector_status(conn)}
    assert set(status) == {
        "players",
        "accounts",
        "treasury",
        "history",
        "holds",
        "trades",
        "lots",
        "monitors",
    }
    for row in status.values():
        assert row.lag_events == 1
        assert row.lag_seconds > 0
        assert row.last_error is not None
        assert "mystery_happened" in row.last_error


async def test_sweeper_refills_shards_from_inflow(
    pool: asyncpg.Pool, ledger: LedgerService, rules: EconomyRules
) -> None:
    [pid] = await sign_up_players(ledger, 1)
    await ledger.handle(TopUp(player_id=pid, amount=1000))
    await ledger.handle(Purchase(player_id=pid, item="treasure_box", quantity=3))
    options = RunnerOptions(
        poll_interval=0.02, sweep_interval=0.02, sweeper=writers(ReadModelOverdue)
    )
    async with projectors(pool, options, Settings(economy=rules)), asyncio.timeout(10):
        while True:
            async with pool.acquire() as conn:
                view = await queries.treasury_view(conn)
            diamond = next((a for a in view.assets if a.asset == "diamond"), None)
            if diamond is not None and diamond.inflow == 0 and diamond.inflow_credited == 150:
                break
            await asyncio.sleep(0.02)
        await wait_caught_up(pool)
    async with pool.acquire() as conn:
        view = await queries.treasury_view(conn)
    [diamond] = [a for a in view.assets if a.asset == "diamond"]
    assert diamond.shards + diamond.circulating == diamond.genesis == rules.genesis_supply
    assert [s.index for s in view.shards] == list(range(rules.shard_count))
    assert sum(s.budget for s in view.shards) == diamond.shards


async def test_transfers_per_minute(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    await traffic(ledger, players=2, rounds=2)
    await catch_up(pool)
    async with pool.acquire() as conn:
        series = await queries.transfers_per_minute(conn, minutes=5)
    assert len(series) == 5
    assert sum(n for _, n in series) == await pool.fetchval("SELECT count(*) FROM rm_history")


async def active_sessions(pool: asyncpg.Pool) -> dict[int, int]:
    """Advisory 'active' locks held: objid (one per role) -> number of holders."""
    rows = await pool.fetch(
        "SELECT objid::int AS role, count(*) AS holders FROM pg_locks"
        " WHERE locktype = 'advisory' AND classid = $1 AND granted"
        "   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " GROUP BY objid",
        LOCK_ACTIVE,
    )
    return {r["role"]: r["holders"] for r in rows}


async def test_a_standby_takes_over_when_the_active_runner_stops(
    pool: asyncpg.Pool, ledger: LedgerService, db_dsn: str
) -> None:
    first, second = asyncio.Event(), asyncio.Event()
    active = asyncio.create_task(run_projectors(db_dsn, Settings(), first, FAST))
    await traffic(ledger, players=2, rounds=1)
    await wait_caught_up(pool)  # the first runner holds every role now
    standby = asyncio.create_task(run_projectors(db_dsn, Settings(), second, FAST))
    await traffic(ledger, players=2, rounds=1, seed=8)
    await wait_caught_up(pool)
    assert list((await active_sessions(pool)).values()) == [1] * len(
        PROJECTIONS
    )  # one holder per role
    first.set()
    await active
    await traffic(ledger, players=2, rounds=1, seed=9)  # only the standby is left to project
    await wait_caught_up(pool)
    second.set()
    await standby
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)


async def test_the_projectors_connections_say_what_they_are(
    pool: asyncpg.Pool, ledger: LedgerService, db_dsn: str
) -> None:
    """An operator (and the bench's CPU split) tells the projectors' backends from the API's
    in `pg_stat_activity`."""
    async with projectors(db_dsn):
        await traffic(ledger, players=2, rounds=1)
        await wait_caught_up(pool)
        names = await pool.fetch(
            "SELECT DISTINCT application_name FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert {r["application_name"] for r in names} == {"gameledger", "gameledger-projectors"}
