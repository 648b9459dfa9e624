"""Holds placed before their placer was recorded, on a real database: the old event decodes and
projects with the placer unknown, only an admin closes such a hold, the expirer expires it, and
a rebuild from the log gives every hold the same placer."""

from datetime import timedelta

import asyncpg
import msgspec
import pytest

from domain import accounts
from domain.assets import CURRENCY, DEFAULT_CATALOG
from domain.commands import CloseHold, PlaceHold
from domain.escrow_errors import ReasonRequired, UnknownHold
from domain.holds import decide_place_hold
from domain.state import player_state
from infra import eventstore
from infra.db import Conn
from projections.audit import run_audit, summary
from projections.overdue import ReadModelOverdue
from projections.rebuild import rebuild
from projections.runner import catch_up
from service.expirer import expire_due
from service.job import Sender
from service.ledger import LedgerService
from service.pipeline import utc_now
from tests.integration.test_gift_concurrency import named
from tests.ledgers import ledger_over

_HOLD_PLACED = """
INSERT INTO events (stream_id, version, event_type, payload) VALUES ($1, 1, 'hold_placed', $2)
"""


async def placed_before_placers(
    conn: Conn, ledger: LedgerService, player_id: str, hold_id: str, expires_in: int
) -> None:
    """A hold as a release before placers were recorded wrote it: its HoldPlaced row has no
    `placed_by` (the player's transfer is the same as today's)."""
    player = player_state(
        player_id, await eventstore.latest(conn, accounts.player_account(player_id))
    )
    cmd = PlaceHold(player="oldie", asset=CURRENCY, amount=100, expires_in=expires_in)
    mine, held = decide_place_hold(
        player,
        cmd,
        placed_by="-",
        hold_id=hold_id,
        transfer_id=f"t-{hold_id}",
        username="oldie",
        catalog=DEFAULT_CATALOG,
        rules=ledger.rules,
        now=utc_now(),
    ).appends
    payload = msgspec.to_builtins(held.events[0])
    del payload["placed_by"]
    async with conn.transaction():
        await eventstore.append(conn, (mine,))
        await conn.execute(_HOLD_PLACED, held.stream, msgspec.json.encode(payload).decode())


async def holds_model(pool: asyncpg.Pool) -> dict[str, tuple[object, ...]]:
    rows = await pool.fetch("SELECT * FROM rm_holds ORDER BY hold_id")
    return {r["hold_id"]: tuple(r) for r in rows}


async def test_an_old_hold_has_no_placer_only_an_admin_closes_it_and_the_expirer_expires_it(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    player = await named(ledger, "oldie", 500)
    async with pool.acquire() as conn:
        await placed_before_placers(conn, ledger, player, "old-1", 600)
        await placed_before_placers(conn, ledger, player, "old-2", 1)
    new = await ledger.handle(
        PlaceHold(player="oldie", asset=CURRENCY, amount=100, expires_in=600),
        caller=Sender("server"),
    )
    await catch_up(pool)
    placers = {r["hold_id"]: r["placed_by"] for r in await pool.fetch("SELECT * FROM rm_holds")}
    assert placers == {"old-1": None, "old-2": None, new.hold_id: "server"}

    void = CloseHold(hold_id="old-1", outcome="void")
    with pytest.raises(UnknownHold):
        await ledger.handle(void, caller=Sender("server"))
    with pytest.raises(ReasonRequired):
        await ledger.handle(void, caller=Sender("ops", "admin"))
    explained = msgspec.structs.replace(void, reason="placed before placers were recorded")
    assert (await ledger.handle(explained, caller=Sender("ops", "admin"))).status == "voided"
    # Two minutes on (the expirer's clock and the moment it looks for due holds): old-2 is due.
    expirer = ledger_over(pool, ledger.rules, clock=lambda: utc_now() + timedelta(seconds=120))
    due = ReadModelOverdue(pool)
    assert await expire_due(due, expirer, utc_now() + timedelta(seconds=120)) == 1

    await catch_up(pool)
    statuses = {r["hold_id"]: r["status"] for r in await pool.fetch("SELECT * FROM rm_holds")}
    assert statuses == {"old-1": "voided", "old-2": "expired", new.hold_id: "pending"}
    before = await holds_model(pool)
    await rebuild(pool, ["holds"])
    assert await holds_model(pool) == before  # the same placers and positions from the log
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)


async def test_the_audit_finds_a_hold_listed_for_the_wrong_game_server(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await named(ledger, "staker", 500)
    stake = PlaceHold(player="staker", asset=CURRENCY, amount=100, expires_in=600)
    hold = await ledger.handle(stake, caller=Sender("server-a"))
    await catch_up(pool)
    sql = "UPDATE rm_holds SET placed_by = 'server-b' WHERE hold_id = $1"
    await pool.execute(sql, hold.hold_id)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    found = [line for c in report.checks if not c.ok for line in c.details]
    assert found == [
        f"rm_holds[{hold.hold_id}]: holds ('diamond', 100, 'server-b'),"
        " the log gives ('diamond', 100, 'server-a')"
    ]
