"""Replay (time travel per stream) and the operators' command line over the projections."""

import argparse
import asyncio
import contextlib
import itertools
import json

import asyncpg
import pytest

from cli.projections import register
from domain.commands import Purchase, TopUp
from projections.replay import replay, resolve_stream
from projections.runner import catch_up
from service.ledger import LedgerService
from tests.integration.projection_support import sign_up_players


async def cli(dsn: str, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    status: int = await args.func(args, dsn)
    return status


@pytest.fixture
async def alice(ledger: LedgerService) -> str:
    [pid] = await sign_up_players(ledger, 1, prefix="Alice")
    await ledger.handle(TopUp(player_id=pid, amount=100))
    await ledger.handle(Purchase(player_id=pid, item="gold_coin", quantity=2))
    await ledger.handle(TopUp(player_id=pid, amount=5))
    return pid


async def test_each_step_shows_the_state_after_it(pool: asyncpg.Pool, alice: str) -> None:
    async with pool.acquire() as conn:
        steps = await replay(conn, f"player:{alice}")
    assert [s.version for s in steps] == [1, 2, 3, 4]
    assert [s.event_type for s in steps] == ["player_registered"] + ["transferred"] * 3
    assert [s.state_after["balances"] for s in steps] == [
        {},
        {"diamond": 100},
        {"diamond": 80, "gold_coin": 2},
        {"diamond": 85, "gold_coin": 2},
    ]
    assert steps[2].event["code"] == "purchase"
    assert steps[2].event["item"] == "gold_coin"
    assert all(a.position < b.position for a, b in itertools.pairwise(steps))


async def test_replay_stops_at_a_version_or_a_time(pool: asyncpg.Pool, alice: str) -> None:
    async with pool.acquire() as conn:
        every = await replay(conn, f"player:{alice}")
        until = await replay(conn, f"player:{alice}", until_version=2)
        at = await replay(conn, f"player:{alice}", at=every[2].recorded_at)
    assert [s.version for s in until] == [1, 2]
    assert [s.version for s in at] == [1, 2, 3]


async def test_other_streams_replay_their_own_state(
    pool: asyncpg.Pool, ledger: LedgerService, alice: str
) -> None:
    async with pool.acquire() as conn:
        shards = [
            await replay(conn, f"treasury:shard:{n}") for n in range(ledger.rules.shard_count)
        ]
        treasury = await replay(conn, "treasury")
        claim = await replay(conn, "username:alice0")
    for steps in shards:
        budgets = [s.state_after["budget"] for s in steps]
        assert budgets == [s.event["budget_after"] for s in steps]
    assert treasury[0].state_after == {"swept": 0}
    assert claim[0].state_after == {"owner": alice}


async def test_streams_are_found_by_username_id_or_name(pool: asyncpg.Pool, alice: str) -> None:
    async with pool.acquire() as conn:
        assert await resolve_stream(conn, "ALICE0") == f"player:{alice}"
        assert await resolve_stream(conn, alice) == f"player:{alice}"
        assert await resolve_stream(conn, "treasury:shard:0") == "treasury:shard:0"
        assert await resolve_stream(conn, "treasury") == "treasury"
        assert await resolve_stream(conn, "nobody") is None
        assert await resolve_stream(conn, "player:nobody") is None


async def test_replay_command(db_dsn: str, alice: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await cli(db_dsn, "replay", "alice0", "--until", "3", "--json") == 0
    steps = json.loads(capsys.readouterr().out)["events"]
    assert [s["stateAfter"]["balances"].get("diamond", 0) for s in steps] == [0, 100, 80]
    assert await cli(db_dsn, "replay", alice, "--at", "2000-01-01") == 0
    assert "0 events" in capsys.readouterr().out
    assert await cli(db_dsn, "replay", "alice0") == 0
    assert "purchase" in capsys.readouterr().out
    assert await cli(db_dsn, "replay", "nobody") == 1
    assert await cli(db_dsn, "replay", "alice0", "--at", "yesterday") == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "gameledger: no stream, player or username named 'nobody'",
        "gameledger: --at 'yesterday': expected an ISO time such as 2025-06-01T12:00:00Z",
    ]


async def test_audit_command(
    pool: asyncpg.Pool, db_dsn: str, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await catch_up(pool)
    assert await cli(db_dsn, "audit") == 0
    assert capsys.readouterr().out.rstrip().endswith("all checks hold")
    await pool.execute("UPDATE rm_inventory SET quantity = 3 WHERE player_id = $1", alice)
    assert await cli(db_dsn, "audit", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"]
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["read_models"]


async def test_events_and_rebuild_commands(
    db_dsn: str, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli(db_dsn, "events", "--limit", "3") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert any(f"player:{alice} v4  top_up" in line for line in lines)
    assert await cli(db_dsn, "rebuild", "players", "history") == 0
    assert capsys.readouterr().out.startswith("rebuilt players:")
    assert await cli(db_dsn, "rebuild", "wallets") == 2
    assert "unknown projection 'wallets'" in capsys.readouterr().err


async def test_events_follow_prints_new_events(
    db_dsn: str, ledger: LedgerService, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    follow = asyncio.create_task(cli(db_dsn, "events", "--limit", "1", "--follow"))
    try:
        async with asyncio.timeout(10):
            seen = ""
            while "#" not in seen:  # the tail is printed...
                seen += capsys.readouterr().out
                await asyncio.sleep(0.02)
            await ledger.handle(Purchase(player_id=alice, item="treasure_box"))
            seen = ""
            while "purchase" not in seen:  # ...then what is written afterwards
                seen += capsys.readouterr().out
                await asyncio.sleep(0.02)
    finally:
        follow.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follow
    assert f"player:{alice} v5  purchase" in seen
