"""Holds on a real database, in both write modes: capture, void and expiry race for the hold's
version 2 and exactly one wins; the expirer finds due holds from the read model."""

from collections import Counter
from datetime import timedelta

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import CloseHold, EconomyRules, PlaceHold
from domain.escrow_errors import HoldNotPending
from projections import holds
from projections.audit import run_audit, summary
from projections.overdue import ReadModelOverdue
from projections.runner import catch_up
from service.expirer import expire_due
from service.job import Sender
from service.ledger import LedgerService
from service.pipeline import utc_now
from tests.conftest import WRITE_MODES
from tests.integration.conftest import Audit, LedgerFactory
from tests.integration.test_command_concurrency import race, versions
from tests.integration.test_gift_concurrency import balance, named
from tests.ledgers import ledger_over

pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)

RULES = EconomyRules(genesis_supply=10_000_000, shard_count=4)
ROUNDS = 50


def later(pool: asyncpg.Pool, seconds: float, write_mode: str) -> LedgerService:
    """A second process whose clock is `seconds` ahead (the expirer, after the expiry)."""
    ahead = lambda: utc_now() + timedelta(seconds=seconds)  # noqa: E731
    return ledger_over(pool, RULES, group_commit=write_mode == "group commit", clock=ahead)


async def audited(pool: asyncpg.Pool) -> None:
    await catch_up(pool)
    async with pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, summary(report)


async def test_capture_void_and_expiry_leave_exactly_one_outcome(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit, write_mode: str
) -> None:
    ledger = await economy(RULES)
    expirer = later(pool, 3_600, write_mode)
    player = await named(ledger, "staker", 100 * ROUNDS)
    won: Counter[str] = Counter()
    try:
        for _ in range(ROUNDS):
            hold = await ledger.handle(
                PlaceHold(player="staker", asset=CURRENCY, amount=100, expires_in=60),
                caller=Sender("server"),
            )
            closes = [
                ledger.handle(
                    CloseHold(hold_id=hold.hold_id, outcome="capture"), caller=Sender("server")
                ),
                ledger.handle(
                    CloseHold(hold_id=hold.hold_id, outcome="void"), caller=Sender("server")
                ),
                expirer.handle(
                    CloseHold(hold_id=hold.hold_id, outcome="expire"),
                    caller=Sender("expirer", "system"),
                ),
            ]
            done, errors = await race(closes)
            assert len(done) == 1, errors
            assert [type(e) for e in errors] == [HoldNotPending, HoldNotPending]
            won[done[0].status] += 1
            assert await versions(pool, accounts.hold_account(hold.hold_id)) == [1, 2]
    finally:
        await expirer.close()
    assert sum(won.values()) == ROUNDS
    assert await balance(pool, player) == 100 * (ROUNDS - won["captured"])
    balances = await audit()
    assert balances[accounts.INFLOW, CURRENCY] == 100 * won["captured"]
    await audited(pool)


async def test_the_expirer_finds_due_holds_in_the_read_model_after_a_restart(
    pool: asyncpg.Pool, economy: LedgerFactory, write_mode: str
) -> None:
    ledger = await economy(RULES)
    player = await named(ledger, "sleeper", 1_000)
    placed = [
        await ledger.handle(
            PlaceHold(player="sleeper", asset=CURRENCY, amount=100, expires_in=seconds),
            caller=Sender("server"),
        )
        for seconds in (30, 60, 3_000)
    ]
    await ledger.handle(
        CloseHold(hold_id=placed[1].hold_id, outcome="void"), caller=Sender("server")
    )
    await catch_up(pool)
    async with pool.acquire() as conn:
        assert await holds.held(conn, player) == {CURRENCY: 200}
    # A new process (nothing in memory) after the first expiry: it re-reads what is due.
    restarted, due = later(pool, 120, write_mode), ReadModelOverdue(pool)
    try:
        assert await expire_due(due, restarted, utc_now() + timedelta(seconds=120)) == 1
        assert await expire_due(due, restarted, utc_now() + timedelta(seconds=120)) == 0
    finally:
        await restarted.close()
    await catch_up(pool)
    async with pool.acquire() as conn:
        statuses = {r["hold_id"]: r["status"] for r in await conn.fetch("SELECT * FROM rm_holds")}
        assert await holds.held(conn, player) == {CURRENCY: 100}
    assert [statuses[h.hold_id] for h in placed] == ["expired", "voided", "pending"]
    assert await balance(pool, player) == 900
    await audited(pool)


async def test_concurrent_holds_never_set_aside_more_than_the_balance(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit
) -> None:
    ledger = await economy(RULES)
    await named(ledger, "bettor", 1_000)
    place = PlaceHold(player="bettor", asset=CURRENCY, amount=150, expires_in=600)
    done, errors = await race([ledger.handle(place, caller=Sender("server")) for _ in range(20)])
    assert len(done) == 6
    assert {type(e).__name__ for e in errors} == {"InsufficientFunds"}
    await audit()
    await audited(pool)
