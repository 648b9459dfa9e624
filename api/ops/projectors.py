"""The operators' tools over the whole log: the audit, a stream's replay, read-model rebuilds.

Same protection as the other admin routes: a bearer token with the admin role, re-checked.
"""

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from litestar import Request, get, post
from litestar.params import PathParameter, QueryParameter

from api.http.problems import not_found, problem, responses
from api.http.rooms import AdminRoom
from api.http.services import Read, Services, Svc
from api.ops.schemas import (
    AuditCheck,
    AuditResponse,
    RebuildStarted,
    ReplayEvent,
    ReplayResponse,
)
from infra import catalog_store
from infra.db import connection
from projections.audit import run_audit
from projections.rebuild import RebuildBusy, rebuild
from projections.registry import PROJECTIONS
from projections.replay import replay, resolve_stream

_log = structlog.get_logger(__name__)

StreamName = Annotated[
    str,
    PathParameter(
        pattern=r"^[A-Za-z0-9_.:\-]{1,200}$",
        description="A stream id (`player:<id>`, `treasury:shard:0`), a username or a player id",
    ),
]
UntilVersion = Annotated[int | None, QueryParameter(name="untilVersion", ge=1, le=2**62)]
At = Annotated[
    datetime | None,
    QueryParameter(name="at", description="Only events recorded at or before this time"),
]
ProjectorName = Annotated[str, PathParameter(pattern=r"^[a-z_]{1,64}$")]


class AdminToolsController(AdminRoom):
    """Audit, replay and rebuild."""

    path = "/admin"

    @post("/audit", status_code=200, summary="Run the audit", responses=responses(401, 403))
    async def audit(self, services: Svc) -> AuditResponse:
        """Replay the whole log and check every invariant of the ledger."""
        async with connection(services.pool) as conn:
            catalogs = await catalog_store.versions(conn, services.ledger.base_catalog)
            report = await run_audit(
                conn,
                genesis_supply=services.settings.economy.genesis_supply,
                catalogs=catalogs,
            )
        return AuditResponse(
            ok=report.ok,
            events=report.events,
            streams=report.streams,
            seconds=report.seconds,
            checks=[
                AuditCheck(name=c.name, ok=c.ok, description=c.description, findings=c.details)
                for c in report.checks
            ],
        )

    @get(
        "/streams/{stream:str}",
        summary="A stream's events with the state after each (replay)",
        responses=responses(400, 401, 403, 404),
    )
    async def stream(
        self,
        read: Read,
        stream: StreamName,
        until_version: UntilVersion = None,
        at: At = None,
    ) -> ReplayResponse:
        """Every event of the stream up to `untilVersion` and/or `at`, oldest first."""
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)  # a time without a zone is read as UTC
        async with read.connection(stream) as conn:
            stream_id = await resolve_stream(conn, stream)
            if stream_id is None:
                raise not_found(
                    f"no stream, username or player {stream!r}",
                    f'There is no stream, username or player named "{stream}".',
                )
            steps = await replay(conn, stream_id, until_version, at)
        events = [
            ReplayEvent(
                version=s.version,
                position=s.position,
                recorded_at=s.recorded_at,
                type=s.event_type,
                event=s.event,
                state_after=s.state_after,
            )
            for s in steps
        ]
        return ReplayResponse(stream_id=stream_id, events=events)

    @post(
        "/projectors/{name:str}/rebuild",
        status_code=202,
        summary="Rebuild a read model from the log",
        responses=responses(400, 401, 403, 404, 409),
    )
    async def rebuild(
        self, request: Request[Any, Any, Any], services: Svc, name: ProjectorName
    ) -> RebuildStarted:
        """Start rebuilding `name` into shadow tables, swapped in when complete (no downtime)."""
        if name not in PROJECTIONS:
            raise not_found(f"no projector named {name!r}", f'There is no projector "{name}".')
        running: dict[str, asyncio.Task[None]] = request.app.state.rebuilds
        if name in running and not running[name].done():
            raise problem(409, "rebuild-running", "A rebuild is running", f"{name} is rebuilding")
        running[name] = asyncio.create_task(_rebuild(services, name), name=f"rebuild:{name}")
        return RebuildStarted(name=name, status="started")


async def _rebuild(services: Services, name: str) -> None:
    # In the background: a rebuild can outlast any HTTP timeout. Progress shows in /projectors.
    try:
        await rebuild(services.pool, [name])
    except RebuildBusy:
        _log.warning("rebuild already running elsewhere", projector=name)
    except Exception:
        _log.exception("rebuild failed", projector=name)
