"""The composition root: the one place a process builds its write side.

`bootstrap` builds the pool-backed event store, the pipeline (with group commit when the
settings say so) and the ledger service over them. A process calls it once and hands the
ledger to whatever writes: the app's controllers, the background writers (`writers`), a CLI
command, a test, the harness, the bench. Nothing else constructs a `LedgerService`.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from domain.assets import Catalog
from domain.ports import EventStore, Overdue
from domain.roles import Roles
from infra import ids
from infra.catalog import load_catalog
from infra.config import Settings
from service.clawback_runner import run_clawbacks
from service.expirer import run_expirer
from service.ledger import LedgerService
from service.pipeline import utc_now
from service.sweeper import Elector, run_sweeper


def bootstrap(
    settings: Settings,
    pool: asyncpg.Pool | None = None,
    *,
    store: EventStore | None = None,
    catalog: Catalog | None = None,
    clock: Callable[[], datetime] = utc_now,
    new_id: Callable[[], str] = ids.new_id,
    on_commit: Callable[[], None] = lambda: None,
    roles: Roles | None = None,
) -> LedgerService:
    """The process's ledger over `pool` (or over `store`: the tests' in-memory one), in the
    configured catalog and economy (call it in the event loop: group commit starts its writers
    there). `catalog` replaces the configured file's (tests use the built-in one); `clock` and
    `new_id` are the tests' to fix."""
    ledger = LedgerService(
        pool,
        catalog=catalog or load_catalog(settings.catalog_file),
        rules=settings.economy,
        store=store,
        clock=clock,
        new_id=new_id,
        on_commit=on_commit,
        roles=roles,
    )
    if settings.group_commit:
        ledger.start_group_commit()
    return ledger


def writers(
    overdue: Callable[[asyncpg.Pool], Overdue], ledger: LedgerService | None = None
) -> Callable[..., Awaitable[None]]:
    """The sweeper, the expirer and the clawback runner, run together under the projector
    runner's leadership (as its `RunnerOptions.sweeper`, projections/runner.py).

    `overdue` builds the expirer's port over the runner's pool (the read side's implementation,
    injected by whoever composes the process). Given the process's `ledger` (the app's), they
    write through it. A process that has none (`gameledger project`) bootstraps one when the
    runner starts them, once for both.
    """

    async def run(
        pool: asyncpg.Pool,
        settings: Settings,
        stop: asyncio.Event,
        *,
        leader: Elector,
        interval: float = 1.0,
    ) -> None:
        own = ledger or bootstrap(settings, pool, on_commit=leader.wake_all)
        try:
            await asyncio.gather(
                run_sweeper(pool, own, settings, stop, leader=leader, interval=interval),
                run_expirer(
                    pool, own, stop, leader=leader, overdue=overdue(pool), interval=interval
                ),
                run_clawbacks(pool, own, stop, leader=leader, interval=interval),
            )
        finally:
            if ledger is None:
                await own.close()

    return run
