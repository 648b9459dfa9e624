"""Batched transfers for trusted game servers: up to 1,000 transfers in one request.

Each transfer carries its own idempotency key and gets its own result. `atomic: true` applies
all or none; otherwise each stands alone. Either way the whole batch is one database statement
(one commit), which is how it goes past the one-commit-per-transfer limit. The keys are the
game server's own: a player's key never answers for one of its transfers.
"""

from typing import Annotated, Any, Literal

import msgspec
from litestar.params import JSONBody
from msgspec import Meta

from api.game.schemas import ExpiresAt
from api.http.problems import as_member
from api.http.rooms import TrustedRoom
from api.http.schemas import (
    Amount,
    CurrencyCode,
    ItemCode,
    Metadata,
    PriceIndex,
    Quantity,
    Request,
    Response,
    Wallet,
)
from api.http.services import Caller, Services, Svc
from api.http.writes import write_route
from domain.assets import CURRENCY
from domain.commands import Purchase, TopUp
from service.batch import BatchItem, Outcome, execute

STATUSES = ("ok", "replayed", "error")
MAX_BATCH = 1000
# 1,000 transfers of ~100 bytes each do not fit the API's 64 KiB default.
MAX_BATCH_BYTES = 512 * 1024
PlayerId = Annotated[str, Meta(min_length=1, max_length=64)]
Key = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]


class BatchTransfer(Request):
    """One transfer of the batch: a top-up (`amount`, `currency`) or a purchase (`item`,
    `quantity`, `price`)."""

    kind: Literal["top_up", "purchase"]
    player_id: PlayerId
    amount: Amount | None = None
    item: ItemCode | None = None
    quantity: Quantity = 1
    idempotency_key: Key | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)
    currency: CurrencyCode = CURRENCY
    price: PriceIndex = 0
    expires_at: ExpiresAt | None = None  # a top-up's own expiry (domain/lots.py)


class BatchRequest(Request):
    """Up to 1,000 transfers, applied all-or-nothing when `atomic`."""

    transfers: Annotated[list[BatchTransfer], Meta(min_length=1, max_length=MAX_BATCH)]
    atomic: bool = False


class BatchResult(Response):
    """What happened to one transfer: `ok` with the new state, `replayed` with the state an
    earlier transfer under the same key left (nothing written now), or a problem."""

    index: int
    status: Literal["ok", "replayed", "error"]
    transfer_id: str | None = None
    balance: int | None = None
    version: int | None = None
    problem: dict[str, Any] | None = None
    wallet: Wallet | None = None


class BatchResponse(Response):
    """Per-transfer results in request order: how many this request applied, replayed and
    failed."""

    results: list[BatchResult]
    applied: int
    failed: int
    replayed: int


def _item(transfer: BatchTransfer) -> BatchItem:
    if transfer.kind == "top_up":
        command: TopUp | Purchase = TopUp(
            player_id=transfer.player_id,
            amount=transfer.amount or 100,
            metadata=transfer.metadata,
            currency=transfer.currency,
            expires_at=transfer.expires_at,
        )
    else:
        command = Purchase(
            player_id=transfer.player_id,
            item=transfer.item or "",
            quantity=transfer.quantity,
            metadata=transfer.metadata,
            price=transfer.price,
        )
    return BatchItem(command=command, key=transfer.idempotency_key)


def _result(index: int, outcome: Outcome, services: Services) -> BatchResult:
    if outcome.result is not None:
        return BatchResult(
            index=index,
            status="replayed" if outcome.replayed else "ok",
            transfer_id=outcome.result.transfer_id,
            balance=outcome.result.balances.get(CURRENCY, 0),
            version=outcome.result.version,
            wallet=services.wallet(outcome.result.balances),
        )
    error = outcome.error
    assert error is not None
    return BatchResult(index=index, status="error", problem=as_member(error))


class BatchController(TrustedRoom):
    """`POST /batch/transfers` for game servers (service accounts)."""

    path = "/batch"
    tags = ["batch"]  # noqa: RUF012 - Litestar reads these class attributes

    @write_route(
        "/transfers",
        status_code=200,
        refuses=(400, 401, 403, 409, 413, 422),
        request_max_body_size=MAX_BATCH_BYTES,
    )
    async def transfers(
        self, principal: Caller, services: Svc, data: JSONBody[BatchRequest]
    ) -> BatchResponse:
        """Post up to 1,000 transfers in one request

        Each transfer's own result; with `atomic`, none applied unless all succeed (and a
        key named twice is refused with 422 before anything is applied)."""
        items = [_item(t) for t in data.transfers]
        outcomes = await execute(
            services.ledger, items, atomic=data.atomic, caller=principal.player_id
        )
        results = [_result(index, outcome, services) for index, outcome in enumerate(outcomes)]
        tally = {status: sum(r.status == status for r in results) for status in STATUSES}
        return BatchResponse(
            results=results,
            applied=tally["ok"],
            failed=tally["error"],
            replayed=tally["replayed"],
        )
