"""Holds for game servers (a `service` or admin token): place, capture, void, look up, list.

A hold belongs to the account that placed it: to another game server it does not exist (404
`unknown-hold`, domain/holds.py decides). An admin may read and close any hold, giving a
`reason` when it is not its own. A hold is read from its own stream (two events at most), so
GET /holds/{id} is never stale; the list comes from the holds read model.
"""

from typing import Annotated, Literal

from litestar import get
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec.structs import asdict

from api.game.schemas import (
    CaptureRequest,
    HoldList,
    HoldRequest,
    HoldResponse,
    VoidRequest,
)
from api.http.limits import page_size
from api.http.problems import responses
from api.http.rooms import TrustedRoom
from api.http.services import Caller, Read, Svc
from api.http.trusted import actor
from api.http.writes import Write, write_route
from domain import accounts
from domain.commands import CloseHold, PlaceHold
from domain.holds import hold_state, visible
from infra import eventstore
from projections import holds
from service.results import HoldResult, hold_result

HoldId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Status = Annotated[
    Literal["pending", "captured", "voided", "expired"] | None,
    QueryParameter(name="status", required=False, description="Only holds in this status"),
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        name="cursor",
        required=False,
        pattern=r"^[1-9][0-9]{0,17}$",
        description="`nextCursor` of the previous page; omit for the newest holds",
    ),
]
Limit = Annotated[
    int,
    QueryParameter(name="limit", ge=1, le=1000, description="Page size, capped by MAX_PAGE_SIZE"),
]


def answer(result: HoldResult | holds.ListedHold) -> HoldResponse:
    """The wire form of a hold."""
    return HoldResponse(
        hold_id=result.hold_id,
        status=result.status,  # type: ignore[arg-type]  # one of domain.holds.HoldStatus
        player=result.player or "",  # a listed hold's player row may lag behind it
        asset=result.asset,
        amount=result.amount,
        expires_at=result.expires_at,
        captured=result.captured,
        memo=result.memo,
    )


class HoldController(TrustedRoom):
    """Two-phase transfers: funds set aside now, captured or released later."""

    path = "/holds"

    @write_route("/", status_code=201, refuses=(400, 401, 403, 404, 409, 413, 422))
    async def place(self, write: Write, data: JSONBody[HoldRequest]) -> HoldResponse:
        """Set a player's funds aside

        Moves `amount` from the player's spendable balance into the hold (`pending`)."""
        return answer(await write.handle(PlaceHold(**asdict(data))))

    @write_route(
        "/{hold_id:str}/capture", status_code=200, refuses=(400, 401, 403, 404, 409, 413, 422)
    )
    async def capture(
        self, write: Write, hold_id: HoldId, data: JSONBody[CaptureRequest | None] = None
    ) -> HoldResponse:
        """Capture a hold (all, or `amount` of it; the rest is released)

        Sends the captured amount to the treasury; status becomes `captured`."""
        return await _close(write, hold_id, "capture", data or CaptureRequest())

    @write_route(
        "/{hold_id:str}/void", status_code=200, refuses=(400, 401, 403, 404, 409, 413, 422)
    )
    async def void(
        self, write: Write, hold_id: HoldId, data: JSONBody[VoidRequest | None] = None
    ) -> HoldResponse:
        """Void a hold: everything goes back to the player

        Releases the whole hold; status becomes `voided`."""
        return await _close(write, hold_id, "void", data or VoidRequest())

    @get("/", summary="Your holds, newest first", responses=responses(400, 401, 403))
    async def list_holds(
        self,
        principal: Caller,
        services: Svc,
        read: Read,
        status: Status = None,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> HoldList:
        """The holds this account placed (every hold, for an admin), from the holds read model
        (a write shows after the projection's lag); `nextCursor` pages to older holds."""
        mine = None if actor(principal).role == "admin" else principal.player_id
        size = page_size(limit, services.settings.max_page_size)
        before = int(cursor) if cursor else None
        async with read.connection() as conn:
            # one more than the page: whether there is a next one
            rows = await holds.listed(conn, mine, status, before, size + 1)
        page = rows[:size]
        more = len(rows) > size
        return HoldList(
            holds=[answer(r) for r in page], next_cursor=str(page[-1].position) if more else None
        )

    @get("/{hold_id:str}", summary="A hold", responses=responses(400, 401, 403, 404))
    async def show(self, principal: Caller, read: Read, hold_id: HoldId) -> HoldResponse:
        """The hold's terms and status, from its stream (its placer's, or an admin's, to see)."""
        async with read.connection(accounts.hold_account(hold_id)) as conn:
            events = await eventstore.read_stream(conn, accounts.hold_account(hold_id), limit=2)
        state = hold_state(hold_id, events[0] if events else None, events[-1] if events else None)
        return answer(hold_result(visible(state, actor(principal))))


async def _close(
    write: Write,
    hold_id: str,
    outcome: Literal["capture", "void"],
    body: CaptureRequest | VoidRequest,
) -> HoldResponse:
    """The hold captured or voided: its amount, reason and metadata are the body's."""
    return answer(await write.handle(CloseHold(hold_id=hold_id, outcome=outcome, **asdict(body))))
