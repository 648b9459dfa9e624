"""The audit replays the log on its own and finds what was broken behind the service's back."""

import asyncpg
import msgspec
import pytest

from domain.commands import EconomyRules, TopUp
from infra.db import Conn
from projections.audit import AuditReport, run_audit, summary
from projections.runner import catch_up
from service.ledger import LedgerService
from tests.integration.projection_support import sign_up_players, traffic


def failing(report: AuditReport) -> dict[str, list[str]]:
    return {c.name: c.details for c in report.checks if not c.ok}


@pytest.fixture
async def busy_ledger(pool: asyncpg.Pool, ledger: LedgerService) -> list[str]:
    """A ledger with some history, fully projected."""
    ids = await traffic(ledger, players=3, rounds=4)
    await catch_up(pool)
    return ids


async def tamper(conn: Conn, statement: str, *args: object) -> None:
    """Run a statement with the immutability trigger off, as an intruder would."""
    await conn.execute("ALTER TABLE events DISABLE TRIGGER events_no_update_delete")
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_no_update_delete")


async def test_a_healthy_ledger_passes(
    pool: asyncpg.Pool, busy_ledger: list[str], rules: EconomyRules
) -> None:
    async with pool.acquire() as conn:
        report = await run_audit(conn, genesis_supply=rules.genesis_supply)
    assert report.ok, summary(report)
    assert report.events == await pool.fetchval("SELECT count(*) FROM events")
    assert "all checks hold" in summary(report)


async def test_lagging_read_models_are_compared_with_what_they_applied(
    pool: asyncpg.Pool, ledger: LedgerService, busy_ledger: list[str]
) -> None:
    await ledger.handle(TopUp(player_id=busy_ledger[0], amount=5))  # not projected yet
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)


async def test_detects_an_unbalanced_transfer(pool: asyncpg.Pool, busy_ledger: list[str]) -> None:
    stream = f"player:{busy_ledger[0]}"
    head = await pool.fetchval("SELECT max(version) FROM events WHERE stream_id = $1", stream)
    payload = {
        "type": "transferred",
        "transfer_id": "forged",
        "code": "top_up",
        "legs": [[stream, "diamond", 1000]],
        "state_after": {"diamond": 1000},
        "occurred_at": "2025-01-01T00:00:00Z",
    }
    await pool.execute(
        "INSERT INTO events (stream_id, version, event_type, payload) "
        "VALUES ($1, $2, 'transferred', $3::jsonb)",
        stream,
        head + 1,
        msgspec.json.encode(payload).decode(),
    )
    async with pool.acquire() as conn:
        found = failing(await run_audit(conn))
    assert any(f"{stream} v{head + 1} (forged)" in line for line in found["transfers_balance"])
    assert any("diamond" in line for line in found["supply"])
    assert "hash_chain" not in found  # it went in through the front door


async def test_detects_a_tampered_payload(pool: asyncpg.Pool, busy_ledger: list[str]) -> None:
    stream = f"player:{busy_ledger[1]}"
    async with pool.acquire() as conn:
        await tamper(
            conn,
            "UPDATE events SET payload = jsonb_set(payload, '{state_after,diamond}', '999999')"
            " WHERE stream_id = $1 AND version = 3",
            stream,
        )
        found = failing(await run_audit(conn))
    assert found["hash_chain"] == [
        f"{stream} v3: hash does not match its content or the previous event's hash"
    ]
    assert any(line.startswith(f"{stream} v3:") for line in found["state_after"])


async def test_detects_a_deleted_event(pool: asyncpg.Pool, busy_ledger: list[str]) -> None:
    stream = f"player:{busy_ledger[2]}"
    async with pool.acquire() as conn:
        await tamper(conn, "DELETE FROM events WHERE stream_id = $1 AND version = 2", stream)
        found = failing(await run_audit(conn))
    assert f"{stream} v3: expected version 2" in found["stream_versions"]
    assert f"{stream} v3: the event before it is missing" in found["hash_chain"]


async def test_detects_read_model_rows_edited_by_hand(
    pool: asyncpg.Pool, busy_ledger: list[str]
) -> None:
    player = busy_ledger[0]
    await pool.execute("UPDATE rm_players SET balance = balance + 1 WHERE player_id = $1", player)
    await pool.execute("UPDATE rm_treasury SET inflow = inflow - 7 WHERE asset = 'diamond'")
    await pool.execute("DELETE FROM rm_history WHERE player_id = $1 AND version = 2", player)
    async with pool.acquire() as conn:
        found = failing(await run_audit(conn))
    assert set(found) == {"read_models"}
    lines = found["read_models"]
    assert len(lines) == 3
    assert any(line.startswith(f"rm_players[{player}]: holds") for line in lines)
    assert any(line.startswith("rm_treasury[diamond]: holds") for line in lines)
    assert f"rm_history[{player} v2]: missing" in lines


async def test_a_fresh_database_passes(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok
    assert report.events == 0


async def test_referral_bonuses_paid_on_two_streams_pass(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await sign_up_players(ledger, 2)
    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)
