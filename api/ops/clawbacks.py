"""Clawbacks by filter (operators): reverse every matching transfer once, with debt for what
the players spent; a dry run first. The runner (service/clawback_runner.py) does the work, so
the request answers at once and a restarted service finishes it."""

from typing import Annotated

from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter
from msgspec.structs import asdict

from api.http.problems import responses
from api.http.rooms import AdminRoom
from api.http.services import Svc
from api.http.writes import Write, write_route
from api.ops.clawback_schemas import (
    ClawbackAccepted,
    ClawbackDryRun,
    ClawbackEffect,
    ClawbackFilterBody,
    ClawbackRequest,
    ClawbackStatus,
)
from domain.clawback_events import ClawbackFilter
from domain.commands import StartClawback
from service import clawback

ClawbackId = Annotated[str, PathParameter(pattern=r"^[0-9A-Za-z_-]{1,64}$")]
_DRY_RUN = ResponseSpec(data_container=ClawbackDryRun, description="The dry run (`dryRun`)")


def _filter(body: ClawbackFilterBody) -> ClawbackFilter:
    return ClawbackFilter(
        code=body.code,
        asset=body.asset,
        from_=body.from_,
        to=body.to,
        metadata=dict(body.metadata),
        players=tuple(body.players),
    )


class ClawbackController(AdminRoom):
    """`/admin/clawbacks`: start one (or dry-run it) and follow it."""

    path = "/admin/clawbacks"

    @write_route(
        "/", status_code=202, refuses=(400, 401, 403, 404, 409, 413, 422), answers={200: _DRY_RUN}
    )
    async def start(
        self, write: Write, data: JSONBody[ClawbackRequest]
    ) -> Response[ClawbackAccepted | ClawbackDryRun]:
        """Claw back every transfer a filter matches

        Each matching transfer (of a grant, top-up, purchase, referral bonus or item use, not
        reversed yet) is reversed exactly once; what the player no longer holds becomes their
        debt, repaid by their next credits. 202 with the clawback's id: the runner works it in
        the background and resumes after a restart. With `dryRun`, 200 with what it would do,
        writing nothing."""
        wanted = _filter(data.filter)
        if data.dry_run:
            seen = await clawback.dry_run(write.services.ledger, wanted)
            effects = [ClawbackEffect(**asdict(e)) for e in seen.effects]
            shown = ClawbackDryRun(transfers=seen.transfers, players=seen.players, effects=effects)
            return Response(shown, status_code=200)
        command = StartClawback(filter=wanted, reason=data.reason, actor=write.player_id)
        started = await write.handle(command)
        accepted = ClawbackAccepted(
            clawback_id=started.clawback_id, status="running", total=started.total
        )
        return Response(accepted, status_code=202)

    @get(
        "/{clawback_id:str}",
        summary="A clawback's progress",
        responses=responses(400, 401, 403, 404),
    )
    async def progress(self, services: Svc, clawback_id: ClawbackId) -> ClawbackStatus:
        """`running`, `done` or `failed` (some transfer could not be reversed), how many of its
        transfers are done, and the debt it created per asset."""
        seen = await clawback.status(services.pool, clawback_id)
        return ClawbackStatus(
            clawback_id=seen.clawback_id,
            status=seen.status,
            done=seen.done,
            total=seen.total,
            debt_created=seen.debt_created,
            skipped=seen.skipped,
            refused=seen.refused,
        )
