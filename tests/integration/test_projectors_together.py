"""The projectors of a process step together, and one that fails never stalls the others.

A running service folds every read model of a batch in one transaction (projections/runner.py
`step_together`). These tests run the real runner on real traffic: the models it writes together
equal the ones each projector writes alone, projections at different checkpoints (one rebuilt or
added later) all catch up, and a projection whose batches fail rests and says why while the
others stay current, then catches up once it works again.
"""

import asyncio
from collections.abc import Callable, Sequence

import asyncpg
import pytest

from infra.db import Conn
from infra.eventstore import StoredEvent
from projections import registry
from projections.model import Projection, Tables
from projections.runner import RunnerOptions, catch_up
from service.ledger import LedgerService
from tests.integration.projection_support import (
    FAST,
    dump_models,
    projectors,
    traffic,
    wait_caught_up,
)

Checkpoints = dict[str, tuple[int, str | None]]


async def _checkpoints(pool: asyncpg.Pool) -> Checkpoints:
    rows = await pool.fetch("SELECT name, global_position, last_error FROM projector_checkpoints")
    return {r["name"]: (r["global_position"], r["last_error"]) for r in rows}


async def _until(pool: asyncpg.Pool, reached: Callable[[Checkpoints, int], bool]) -> Checkpoints:
    """The checkpoints once `reached(checkpoints, head)` (at most 15 s)."""
    async with asyncio.timeout(15):
        while True:
            checkpoints = await _checkpoints(pool)
            if reached(checkpoints, await _head(pool)):
                return checkpoints
            await asyncio.sleep(0.02)


async def _head(pool: asyncpg.Pool) -> int:
    """The position of the log's last event in the projectors' order (transaction, then
    position), where a caught-up checkpoint stands. Not max(global_position): a transaction
    that took its id first may draw its positions after a later one's, and come first."""
    return int(
        await pool.fetchval(
            "SELECT global_position FROM events"
            " ORDER BY transaction_id DESC, global_position DESC LIMIT 1"
        )
    )


async def test_models_written_together_equal_each_projector_alone(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await traffic(ledger, players=4, rounds=4)
    async with projectors(pool):
        await wait_caught_up(pool)
    together = await dump_models(pool)
    checkpoints = await _checkpoints(pool)
    head = await _head(pool)
    assert {name: position for name, (position, _) in checkpoints.items()} == dict.fromkeys(
        registry.PROJECTIONS, head
    )
    # Their last batch was one transaction: every checkpoint saved at its start time.
    assert await pool.fetchval("SELECT count(DISTINCT updated_at) FROM projector_checkpoints") == 1

    # The same log, each projector on its own (catch_up steps one projection at a time).
    owned = [t for p in registry.PROJECTIONS.values() for t in p.tables]
    await pool.execute("TRUNCATE " + ", ".join(owned) + ", projector_checkpoints")
    await catch_up(pool)
    assert await dump_models(pool) == together


async def test_projections_at_different_checkpoints_all_catch_up(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    await traffic(ledger, players=3, rounds=3, seed=11)
    await catch_up(pool, ["players", "accounts"])  # ahead of the others
    await traffic(ledger, players=2, rounds=2, seed=12)
    async with projectors(pool):
        await wait_caught_up(pool)
    head = await _head(pool)
    assert {p for p, _ in (await _checkpoints(pool)).values()} == {head}


class Flaky:
    """A projection whose batches fail while `broken` is set."""

    def __init__(self) -> None:
        self.broken = True
        self.applied = 0

    async def apply(self, conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
        if self.broken:
            raise RuntimeError("the flaky read model is down")
        self.applied += len(events)


async def test_a_failing_projection_rests_while_the_others_stay_current(
    pool: asyncpg.Pool, ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = Flaky()
    monkeypatch.setitem(registry.PROJECTIONS, "flaky", Projection("flaky", (), flaky.apply))
    options = RunnerOptions(
        names=("players", "flaky", "history"),
        poll_interval=FAST.poll_interval,
        standby_interval=FAST.standby_interval,
    )
    await traffic(ledger, players=2, rounds=2, seed=21)
    others = ("players", "history")

    def current(checkpoints: Checkpoints, head: int) -> bool:
        return all(checkpoints.get(n, (0, None))[0] == head for n in others)

    async with projectors(pool, options):
        checkpoints = await _until(
            pool, lambda c, h: current(c, h) and bool(c.get("flaky", (0, None))[1])
        )
        assert "the flaky read model is down" in (checkpoints["flaky"][1] or "")
        assert checkpoints["flaky"][0] == 0  # nothing of it written

        # More traffic while it is down: the others fold it too.
        await traffic(ledger, players=1, rounds=2, seed=22)
        await _until(pool, current)

        flaky.broken = False  # back: it catches up, once, with its error cleared
        await _until(pool, lambda c, h: c["flaky"] == (h, None))
    events = await pool.fetchval("SELECT count(*) FROM events")
    assert flaky.applied == events
