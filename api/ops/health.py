"""Liveness for the game client and the orchestrator: is the service up, is its database?

A health check must answer quickly, above all while the database hangs. Awaiting an asyncpg
query with `wait_for` does not: the timeout cancels the query, asyncpg then waits for
PostgreSQL to acknowledge the cancellation (up to the command timeout again) and `wait_for`
waits for all of that. So the database is probed by one shared task per app: callers wait for
it with `asyncio.wait`, which never cancels, until the probe's deadline; a probe that has not
answered by then means DOWN, and it finishes in the background, bounded by its own timeouts.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Literal, TypeVar

import asyncpg
import structlog
from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader, State
from litestar.openapi.datastructures import ResponseSpec

from api.http import schemas
from api.http.problems import DB_UNAVAILABLE
from api.http.services import Svc


class HealthResponse(schemas.Response):
    """Liveness of the service and its database."""

    status: Literal["UP", "DOWN"]
    database: Literal["CONNECTED", "DOWN"]


_log = structlog.get_logger(__name__)

# The longest /health waits for the database; a probe not answered by then is DOWN.
PROBE_TIMEOUT = 2.0
# An answer is reused this long: a burst of callers costs one probe, and a fault shows at once.
FRESH_SECONDS = 0.5
# Anything that means the database cannot answer now.
DOWN_ERRORS: tuple[type[BaseException], ...] = (*DB_UNAVAILABLE, asyncpg.PostgresError)

T = TypeVar("T")

_DOWN = ResponseSpec(
    data_container=HealthResponse,
    description="The database is unreachable",
    generate_examples=False,
)


class SharedProbe(Generic[T]):
    """At most one `check` in flight, shared by every caller and answered within `deadline`.

    `result()` is the check's value, or None when the database failed it or has not answered
    within `deadline` seconds of the check's start. A finished answer is reused for `fresh`
    seconds; a check still running past its deadline answers None at once, without starting
    another (a hung database costs one connection, however many callers).
    """

    def __init__(self, check: Callable[[], Awaitable[T]], deadline: float, fresh: float) -> None:
        self._check = check
        self._deadline = deadline
        self._fresh = fresh
        self._task: asyncio.Task[T | None] | None = None
        self._started = 0.0
        self._finished = 0.0

    async def result(self) -> T | None:
        """The latest answer: fresh, shared with concurrent callers, or None if not in time."""
        task = self._current()
        if not task.done():
            remaining = self._started + self._deadline - time.monotonic()
            await asyncio.wait({task}, timeout=max(0.0, remaining))
        if not task.done() or task.cancelled():
            return None
        return task.result()

    def _current(self) -> "asyncio.Task[T | None]":
        task = self._task
        stale = task is not None and task.done() and self._expired()
        if task is None or stale:
            self._started = time.monotonic()
            task = self._task = asyncio.create_task(self._run())
        return task

    def _expired(self) -> bool:
        return time.monotonic() - self._finished >= self._fresh

    async def _run(self) -> T | None:
        try:
            return await self._check()
        except DOWN_ERRORS:
            return None
        except Exception:  # nobody may be waiting any more: log it here, answer DOWN
            _log.exception("database probe failed")
            return None
        finally:
            self._finished = time.monotonic()


class Probes:
    """The shared probes of one app's pool (see `probes_of`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.database = SharedProbe(lambda: _select_one(pool), PROBE_TIMEOUT, FRESH_SECONDS)
        self._others: dict[str, SharedProbe[Any]] = {}

    def shared(self, name: str, check: Callable[[], Awaitable[T]]) -> SharedProbe[T]:
        """The probe called `name`, made with `check` the first time."""
        if name not in self._others:
            self._others[name] = SharedProbe(check, PROBE_TIMEOUT, FRESH_SECONDS)
        probe: SharedProbe[T] = self._others[name]
        return probe


def probes_of(state: State, pool: asyncpg.Pool) -> Probes:
    """The app's probes, made on first use (and again should the lifespan open a new pool)."""
    probes: Probes | None = state.get("probes")
    if probes is None or probes.pool is not pool:
        probes = state.probes = Probes(pool)
    return probes


async def _select_one(pool: asyncpg.Pool) -> bool:
    # Its own timeouts bound how long the probe lingers after its callers have given up.
    async with pool.acquire(timeout=PROBE_TIMEOUT) as conn:
        await conn.fetchval("SELECT 1", timeout=PROBE_TIMEOUT)
    return True


class HealthController(Controller):
    """The health endpoint of the existing game client's contract."""

    path = "/health"
    tags = ["health"]  # noqa: RUF012 - Litestar reads these class attributes
    cache_control = CacheControlHeader(no_store=True)

    @get("/", summary="Service and database health", responses={503: _DOWN})
    async def health(self, services: Svc, state: State) -> Response[HealthResponse]:
        """200 UP/CONNECTED, or 503 DOWN/DOWN when PostgreSQL does not answer within 2 s."""
        if await probes_of(state, services.pool).database.result():
            return Response(HealthResponse(status="UP", database="CONNECTED"))
        return Response(HealthResponse(status="DOWN", database="DOWN"), status_code=503)
