"""Bodies of `/admin/clawbacks` (camelCase on the wire, like the rest of the operators' API)."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from api.http.schemas import Request, Response, Username
from api.ops.schemas import Reason
from domain.assets import AssetCode

Code = Annotated[str, Meta(pattern=r"^[a-z][a-z_]{0,31}$", examples=["grant"])]
Label = Annotated[str, Meta(max_length=256)]

# A time with its zone (RFC 3339): a naive one would not compare with the log's.
Moment = Annotated[datetime, Meta(tz=True)]


class ClawbackFilterBody(Request):
    """Which transfers: every field given must match (at least one is needed)."""

    code: Code | None = None
    asset: AssetCode | None = None
    from_: Moment | None = msgspec.field(default=None, name="from")
    to: Moment | None = None
    metadata: Annotated[dict[str, Label], Meta(max_length=16)] = msgspec.field(default_factory=dict)
    players: Annotated[list[Username], Meta(max_length=1000)] = msgspec.field(default_factory=list)


class ClawbackRequest(Request):
    """Reverse every matching transfer once, what was spent becoming debt; `dryRun` only
    shows what it would do."""

    filter: ClawbackFilterBody
    reason: Reason
    dry_run: bool = False


class ClawbackEffect(Response):
    """What the clawback takes from one player in one asset (negative: gives back, as a
    purchase's price), and how much of that becomes their debt."""

    player: str
    asset: str
    reverse: int
    debt: int


class ClawbackDryRun(Response):
    """What the clawback would do now; nothing was written."""

    transfers: int
    players: int
    effects: list[ClawbackEffect]


class ClawbackAccepted(Response):
    """The clawback is recorded; the runner works it (`GET /admin/clawbacks/{id}`)."""

    clawback_id: str
    status: Literal["running"]
    total: int


class ClawbackStatus(Response):
    """How far a clawback got, and the debt it created per asset."""

    clawback_id: str
    status: Literal["running", "done", "failed"]
    done: int
    total: int
    debt_created: dict[str, int]
    skipped: Annotated[int, Meta(description="Already reversed by someone else")]
    refused: Annotated[int, Meta(description="Could not be reversed (status `failed`)")]
