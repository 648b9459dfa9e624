"""The Litestar application: `create_app()` (a uvicorn `--factory`) and its route table.

Its lifespan (api/http/lifespan.py) owns the pool, the write side, the NOTIFY waker and, when
RUN_PROJECTORS is on, the projectors and the sweeper. The app starts even while PostgreSQL is
away: `/health` then answers 503 and every other route 503 with problem details, and genesis is
seeded as soon as the database answers.
"""

import os
from collections.abc import Callable
from datetime import datetime

import argon2
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
from api.http.lifespan import AppParts, lifespan_of
from api.http.limits import Limits
from api.http.linger import linger_middleware
from api.http.observability import observability_middleware
from api.http.schema_ui import schema_assets
from api.http.services import DEPENDENCIES
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
from infra import logging as infra_logging
from infra.config import ConfigError, Settings, load_settings
from infra.stores import Stores
from service.pipeline import utc_now


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
        lifespan=[lifespan_of(parts)],
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
