"""Operations endpoints: Prometheus metrics and readiness (database, migrations, projectors)."""

import asyncio
import contextlib

import asyncpg
import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader

from api.problems import DB_UNAVAILABLE
from api.services import Svc
from infra import metrics, migrate
from projections import queries

# Anything that means the database cannot answer now.
_DOWN: tuple[type[BaseException], ...] = (*DB_UNAVAILABLE, asyncpg.PostgresError)

# Behind by events and not moving for this long means the projectors are stalled.
STALL_SECONDS = 30.0


class Readiness(msgspec.Struct, kw_only=True, rename="camel"):
    """Whether this instance should receive traffic, and why not."""

    ready: bool
    database: str
    migrations_pending: list[str]
    projectors_stalled: list[str]


class OpsController(Controller):
    """`/metrics` for Prometheus and `/ready` for load balancers."""

    tags = ["operations"]  # noqa: RUF012 - Litestar reads these class attributes
    cache_control = CacheControlHeader(no_store=True)

    @get(
        "/metrics",
        summary="Prometheus metrics",
        media_type=metrics.CONTENT_TYPE,
        include_in_schema=False,
    )
    async def scrape(self, services: Svc) -> Response[bytes]:
        """Counters and histograms of every worker, gauges refreshed from the database."""
        pool = services.pool
        metrics.POOL.labels("open").set(pool.get_size())
        metrics.POOL.labels("idle").set(pool.get_idle_size())
        # When the database is away the HTTP and command counters are still worth scraping.
        with contextlib.suppress(*_DOWN):
            await asyncio.wait_for(_refresh_gauges(pool), 2.0)
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    @get("/ready", summary="Readiness: database, migrations and projectors")
    async def ready(self, services: Svc) -> Response[Readiness]:
        """200 when the database answers, no migration is pending and no projector stalls."""
        try:
            async with asyncio.timeout(2.0), services.pool.acquire() as conn:
                pending = await migrate.pending(conn)
                status = await queries.projector_status(conn)
        except _DOWN:
            down = Readiness(
                ready=False, database="DOWN", migrations_pending=[], projectors_stalled=[]
            )
            return Response(down, status_code=503)
        stalled = [s.name for s in status if s.lag_events > 0 and s.lag_seconds > STALL_SECONDS]
        body = Readiness(
            ready=not pending and not stalled,
            database="CONNECTED",
            migrations_pending=pending,
            projectors_stalled=stalled,
        )
        return Response(body, status_code=200 if body.ready else 503)


async def _refresh_gauges(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for status in await queries.projector_status(conn):
            metrics.PROJECTOR_LAG_EVENTS.labels(status.name).set(status.lag_events)
            metrics.PROJECTOR_LAG_SECONDS.labels(status.name).set(status.lag_seconds)
        for asset in (await queries.treasury_view(conn)).assets:
            metrics.TREASURY.labels(asset.asset).set(asset.treasury)
