"""Liveness for the game client and the orchestrator: is the service up, is its database?"""

import asyncio

from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.openapi.datastructures import ResponseSpec

from api.problems import DB_UNAVAILABLE
from api.schemas import HealthResponse
from api.services import Svc

# A health check must answer quickly even when the database hangs.
PROBE_TIMEOUT = 2.0

_DOWN = ResponseSpec(
    data_container=HealthResponse,
    description="The database is unreachable",
    generate_examples=False,
)


class HealthController(Controller):
    """The health endpoint of the existing game client's contract."""

    path = "/health"
    tags = ["health"]  # noqa: RUF012 - Litestar reads these class attributes
    cache_control = CacheControlHeader(no_store=True)

    @get("/", summary="Service and database health", responses={503: _DOWN})
    async def health(self, services: Svc) -> Response[HealthResponse]:
        """200 UP/CONNECTED, or 503 DOWN/DOWN when PostgreSQL does not answer."""
        try:
            await asyncio.wait_for(services.pool.fetchval("SELECT 1"), PROBE_TIMEOUT)
        except DB_UNAVAILABLE:
            return Response(HealthResponse(status="DOWN", database="DOWN"), status_code=503)
        return Response(HealthResponse(status="UP", database="CONNECTED"))
