"""Operations endpoints: Prometheus metrics and readiness (database, migrations, projectors).

Both ask the database through shared probes (api/ops/health.py), so neither waits past its deadline
while the database hangs, and a flood of scrapes or readiness checks costs one connection.
"""

import asyncpg
import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader, State

from api.http.metrics_access import metrics_guard
from api.http.services import Svc
from api.ops.health import PROBE_TIMEOUT, probes_of
from infra import metrics, migrate
from projections import queries
from projections.queries import ProjectorStatus
from projections.registry import PROJECTIONS

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
        guards=[metrics_guard],
    )
    async def scrape(self, services: Svc, state: State) -> Response[bytes]:
        """Counters and histograms of every worker, gauges refreshed from the database."""
        pool = services.pool
        metrics.POOL.labels("open").set(pool.get_size())
        metrics.POOL.labels("idle").set(pool.get_idle_size())
        # When the database is away the HTTP and command counters are still worth scraping.
        await probes_of(state, pool).shared("gauges", lambda: _refresh_gauges(pool)).result()
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    @get("/ready", summary="Readiness: database, migrations and projectors")
    async def ready(self, services: Svc, state: State) -> Response[Readiness]:
        """200 when the database answers, no migration is pending and no projector stalls."""
        pool = services.pool
        facts = await probes_of(state, pool).shared("ready", lambda: _readiness(pool)).result()
        if facts is None:
            down = Readiness(
                ready=False, database="DOWN", migrations_pending=[], projectors_stalled=[]
            )
            return Response(down, status_code=503)
        pending, status = facts
        stalled = [s.name for s in status if s.lag_events > 0 and s.lag_seconds > STALL_SECONDS]
        # A broker outage stalls the feed, not the API: only the read models decide readiness.
        stalled = [name for name in stalled if name in PROJECTIONS]
        body = Readiness(
            ready=not pending and not stalled,
            database="CONNECTED",
            migrations_pending=pending,
            projectors_stalled=stalled,
        )
        return Response(body, status_code=200 if body.ready else 503)


async def _readiness(pool: asyncpg.Pool) -> tuple[list[str], list[ProjectorStatus]]:
    async with pool.acquire(timeout=PROBE_TIMEOUT) as conn:
        return await migrate.pending(conn), await queries.projector_status(conn)


async def _refresh_gauges(pool: asyncpg.Pool) -> bool:
    async with pool.acquire(timeout=PROBE_TIMEOUT) as conn:
        for status in await queries.projector_status(conn):
            metrics.PROJECTOR_LAG_EVENTS.labels(status.name).set(status.lag_events)
            metrics.PROJECTOR_LAG_SECONDS.labels(status.name).set(status.lag_seconds)
        for asset in (await queries.treasury_view(conn)).assets:
            metrics.TREASURY.labels(asset.asset).set(asset.treasury)
        return True
