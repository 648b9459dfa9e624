"""The app's lifespan (`create_app` in api/http/app.py passes it to Litestar): it opens the pool
(and the standby's), starts the write side, the NOTIFY waker and the listeners that keep this
process in step with the others (roles, shard slots, catalog, freezes, revocations), seeds
genesis (retrying in the background while PostgreSQL is away) and runs the projectors and the
sweeper (RUN_PROJECTORS) and the feed, each restarted with back-off; on shutdown it stops them."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import argon2
import asyncpg
import structlog
from litestar import Litestar

from api.http import metrics_access, problems
from api.http.auth import Tokens
from api.http.limits import Limits, Throttles
from api.http.services import Services
from infra import collector
from infra.catalog_store import CatalogFollower
from infra.config import Settings
from infra.db import create_pool
from infra.freeze_store import FreezeFollower
from infra.replica import Replica
from infra.revocations import RevocationListener, connector
from infra.roles import RolesFollower
from infra.shard_slots import ShardSlots
from infra.stores import Stores
from infra.waker import Waker
from service.bootstrap import bootstrap, writers
from service.ledger import LedgerService
from service.passwords import Passwords

_log = structlog.get_logger(__name__)

# A stopping projector gets this long to finish its batch before it is cancelled.
STOP_GRACE = 5.0


@dataclass(frozen=True)
class AppParts:
    """What the lifespan needs besides the settings (tests swap the hasher and limits)."""

    settings: Settings
    dsn: str
    tokens: Tokens
    hasher: argon2.PasswordHasher | None
    limits: Limits
    clock: Callable[[], datetime]
    stores: Stores


def lifespan_of(parts: AppParts) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        settings = parts.settings
        metrics_access.warn_if_open(settings)
        pool = await _open_pool(parts.dsn, settings)
        replica = await _replica(pool, settings)
        waker = Waker(pool)
        await waker.start()
        # The service and admin accounts, which hold no wallet: a role change holds within a second.
        roles = RolesFollower(connector(parts.dsn, settings))
        await roles.start()
        ledger = bootstrap(settings, pool, clock=parts.clock, on_commit=waker.poke, roles=roles)
        ledger.pipeline.on_position = replica.remember
        # This process's share of the treasury shards, so two processes' top-ups rarely race.
        slots = ShardSlots(connector(parts.dsn, settings), ledger.ctx.shards.home.set)
        await slots.start()
        # A catalog applied while running reaches this process within a second.
        catalogs = CatalogFollower(connector(parts.dsn, settings), ledger.use_catalog)
        await catalogs.start()
        # A freeze placed or lifted by any process holds here within a second.
        freezes = FreezeFollower(connector(parts.dsn, settings), ledger.use_freezes)
        await freezes.start()
        app.state.pool = pool
        revocations = RevocationListener(connector(parts.dsn, settings))
        await revocations.start()
        parts.tokens.revocations = revocations
        app.state.tokens = parts.tokens
        rebuilds: dict[str, asyncio.Task[None]] = {}
        app.state.rebuilds = rebuilds
        app.state.services = Services(
            settings=settings,
            pool=pool,
            ledger=ledger,
            tokens=parts.tokens,
            passwords=Passwords(parts.hasher),
            throttles=Throttles(parts.limits),
            stores=parts.stores,
            replica=replica,
        )
        stop = asyncio.Event()
        tasks = [] if await _try_genesis(ledger) else [_task(_seed_genesis(ledger, stop))]
        collector.settle()  # issue 22: the slowest 1% waited on the collector
        if settings.run_projectors:
            tasks.append(_task(_projectors(parts, ledger, stop)))
        if settings.nats_url or settings.run_webhooks:
            tasks.append(_task(_feed(parts, stop)))
        try:
            yield
        finally:
            stop.set()
            await _finish([*tasks, *rebuilds.values()])
            await ledger.close()
            await slots.stop()
            await waker.stop()
            await revocations.stop()
            await roles.stop()
            await catalogs.stop()
            await freezes.stop()
            if replica.standby is not None:
                await replica.standby.close()
            await pool.close()

    return lifespan


async def _open_pool(dsn: str, settings: Settings) -> asyncpg.Pool:
    """The pool; if the database is away, an empty one that connects when it is back."""
    try:
        return await create_pool(dsn, settings)
    except problems.DB_UNAVAILABLE as error:
        _log.warning("database unavailable at startup", error_type=type(error).__name__)
        return await create_pool(dsn, settings, min_size=0)


async def _replica(pool: asyncpg.Pool, settings: Settings) -> Replica:
    """Where reads go: READ_DATABASE_URL's pool when it is set (infra/replica.py)."""
    url = settings.read_database_url
    standby = await _open_pool(url, settings) if url else None
    wait, lag = settings.replica_wait_ms, settings.replica_max_lag_ms
    return Replica(pool, standby, wait_ms=wait, max_lag_ms=lag)


async def _try_genesis(ledger: LedgerService) -> bool:
    """Mint genesis if it is not there yet (idempotent); False while the database is away."""
    try:
        if await ledger.seed_genesis():
            _log.info("genesis seeded")
        await ledger.align_with_genesis()
    except problems.DB_UNAVAILABLE:
        return False
    return True


async def _seed_genesis(ledger: LedgerService, stop: asyncio.Event) -> None:
    """Retry genesis in the background until the database answers."""
    delay = 0.5
    while not stop.is_set() and not await _try_genesis(ledger):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, 10.0)


def _task(work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.create_task(work)


async def _projectors(parts: AppParts, ledger: LedgerService, stop: asyncio.Event) -> None:
    """The projectors and the background writers (through the app's `ledger`), restarted with
    back-off if they fail."""
    from projections.overdue import ReadModelOverdue
    from projections.runner import RunnerOptions, run_projectors  # the API can run without them

    delay = 0.5
    while not stop.is_set():
        try:
            await run_projectors(
                parts.dsn,
                parts.settings,
                stop,
                RunnerOptions(sweeper=writers(ReadModelOverdue, ledger)),
            )
        except Exception:  # a crash must not take the API down: log, wait, restart
            _log.exception("projectors stopped; restarting")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)


async def _feed(parts: AppParts, stop: asyncio.Event) -> None:
    """The change feed and the webhooks (projections/feed_runner.py), restarted if they fail."""
    from projections.feed_runner import run_feed

    delay = 0.5
    while not stop.is_set():
        try:
            await run_feed(parts.dsn, parts.settings, stop)
        except Exception:  # like the projectors: the API stays up whatever the feed does
            _log.exception("feed stopped; restarting")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)


async def _finish(tasks: list[asyncio.Task[None]]) -> None:
    if not tasks:
        return
    done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
    for task in pending:
        task.cancel()
    for task in [*done, *pending]:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
