"""The Litestar application: `create_app()` (a uvicorn `--factory`) and its lifespan.

The lifespan owns the pool, the write side, the NOTIFY waker and, when RUN_PROJECTORS is on,
the projectors and the sweeper. The app starts even while PostgreSQL is away: `/health` then
answers 503 and every other route 503 with problem details, and genesis is seeded as soon as
the database answers.
"""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import argon2
import asyncpg
import structlog
from litestar import Litestar
from litestar.datastructures import ResponseHeader

from api.console.routes import console_router
from api.game.batch import BatchController
from api.game.grants import GrantController
from api.game.holds import HoldController
from api.game.settlements import SettlementController
from api.http import fast_path, metrics_access, problems
from api.http.auth import Tokens
from api.http.http_config import cors, openapi
from api.http.jwt_secret import resolve_secret
from api.http.limits import Limits, Throttles
from api.http.linger import linger_middleware
from api.http.observability import observability_middleware
from api.http.schema_ui import schema_assets
from api.http.services import DEPENDENCIES, Services
from api.http.text_guard import text_guard_middleware
from api.ops.admin import AdminController
from api.ops.catalog import CatalogAdminController
from api.ops.clawbacks import ClawbackController
from api.ops.escrow import EscrowController
from api.ops.freezes import FreezeController, MonitorController
from api.ops.health import HealthController
from api.ops.monitoring import OpsController
from api.ops.projectors import AdminToolsController
from api.ops.store_notifications import ReceiptAdminController, StoreNotificationController
from api.ops.webhooks import WebhookController
from api.ops.whatif import WhatIfController
from api.player.accounts import AccountController
from api.player.catalog import CatalogController, ItemUseController
from api.player.energies import EnergyController
from api.player.players import FAST_ROUTES, PlayerController
from api.player.receipts import ReceiptController
from api.player.trades import TradeController
from api.player.transfers import TransferController
from infra import collector
from infra import logging as infra_logging
from infra.catalog_store import CatalogFollower
from infra.config import ConfigError, Settings, load_settings
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
from service.pipeline import utc_now

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


def create_app(
    settings: Settings | None = None,
    dsn: str | None = None,
    *,
    hasher: argon2.PasswordHasher | None = None,
    limits: Limits | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Litestar:
    """The HTTP API; with no arguments, settings and DSN come from the environment.

    `clock` is the wall clock of the ledger (events' `occurred_at`) and of the tokens (`iat`,
    `exp`): the clock scenario runs instances an hour ahead and behind through it.
    """
    if settings is None:
        settings = load_settings()
        infra_logging.configure(settings.log_format, settings.log_level)
    dsn = dsn or settings.database_url or os.environ.get("GAMELEDGER_DSN")
    if not dsn:
        raise ConfigError("DATABASE_URL: no database to serve (or run `gameledger serve`)")
    tokens = Tokens(
        resolve_secret(settings), settings.token_ttl_seconds, clock=lambda: clock().timestamp()
    )
    limits = limits or Limits.from_settings(settings)
    parts = AppParts(settings, dsn, tokens, hasher, limits, clock, Stores.from_settings(settings))
    app = Litestar(
        route_handlers=[
            HealthController,
            AccountController,
            PlayerController,
            TransferController,
            HoldController,
            TradeController,
            SettlementController,
            EscrowController,
            GrantController,
            ReceiptController,
            StoreNotificationController,
            ReceiptAdminController,
            CatalogController,
            ItemUseController,
            EnergyController,
            CatalogAdminController,
            AdminController,
            ClawbackController,
            WhatIfController,
            BatchController,
            OpsController,
            AdminToolsController,
            WebhookController,
            FreezeController,
            MonitorController,
            console_router,
            schema_assets,
        ],
        lifespan=[_lifespan(parts)],
        dependencies=DEPENDENCIES,
        # Outermost first: the guard sits inside the log and the lingering drain, so its refusals
        # are logged, counted and read to the end like any other answer.
        middleware=[
            observability_middleware,
            linger_middleware,
            *metrics_access.middleware(settings),
            text_guard_middleware,
        ],
        plugins=[problems.plugin()],
        request_max_body_size=settings.max_body_bytes,
        cors_config=cors(settings.origins),
        openapi_config=openapi(),
        response_headers=[ResponseHeader(name="X-Content-Type-Options", value="nosniff")],
        logging_config=None,
        debug=False,
    )
    fast_path.install(app, FAST_ROUTES)  # the hot routes' plain requests (issue 22)
    return app


def _lifespan(parts: AppParts) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
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
