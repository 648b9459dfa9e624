"""Freezes (DESIGN-NOTES note 16): placing and lifting them, as events on `freeze:<id>`
streams through the one pipeline, which then refuses what they stop (domain/freezes.py). Every
process's copy follows the streams within a second (infra/freeze_store.py)."""

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from domain import accounts
from domain.assets import Catalog
from domain.commands import LiftFreeze, PlaceFreeze
from domain.errors import DomainError, InvalidInput
from domain.freeze_events import FreezeLifted, FreezePlaced
from domain.freezes import OPERATIONS, FreezeIndex
from domain.ledger import Append, Decision
from domain.transfer_errors import UnknownAsset
from infra import freeze_store
from service.claims import owner
from service.context import Context
from service.job import Heads, Job, Sender, principal

if TYPE_CHECKING:  # the ledger's registry names this module's jobs
    from service.ledger import LedgerService

FREEZES_SCOPE = "freezes"  # where a new freeze's idempotency key lives (its id is new)


class FreezeResult(msgspec.Struct, frozen=True, kw_only=True):
    """A freeze as the operator sees it (lifted_* once lifted)."""

    freeze_id: str
    scope: str
    target: str
    reason: str
    created_at: datetime
    created_by: str
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None


class UnknownFreeze(DomainError):
    slug = "unknown_freeze"
    title = "No such freeze"
    category = "not_found"


class FreezeNotActive(DomainError):
    slug = "freeze_lifted"
    title = "The freeze was already lifted"
    category = "conflict"


def result_of(placed: FreezePlaced, lifted: FreezeLifted | None = None) -> FreezeResult:
    """The view of a freeze from its events."""
    return FreezeResult(
        freeze_id=placed.freeze_id,
        scope=placed.scope,
        target=placed.target,
        reason=placed.reason,
        created_at=placed.occurred_at,
        created_by=placed.created_by,
        lifted_at=lifted.occurred_at if lifted else None,
        lifted_by=lifted.lifted_by if lifted else None,
        lift_reason=lifted.reason if lifted else None,
    )


def check_target(scope: str, target: str, catalog: Catalog) -> None:
    """Refuse an asset or an operation that does not exist (a player is checked by its claim)."""
    if scope == "asset" and target not in catalog.asset_codes():
        raise UnknownAsset(f"there is no asset '{target}'", asset=target)
    if scope == "operation" and target not in OPERATIONS:
        raise InvalidInput(
            f"there is no operation '{target}'; operations: {', '.join(OPERATIONS)}",
            operation=target,
            operations=list(OPERATIONS),
        )


def place_freeze(
    ctx: Context, cmd: PlaceFreeze, key: str | None, caller: Sender
) -> Job[FreezeResult]:
    """The job that appends a new freeze as version 1 of its own stream."""
    freeze_id = ctx.new_id()
    stream = accounts.freeze_stream(freeze_id)
    claim = accounts.username_stream(cmd.target) if cmd.scope == "player" else None

    async def decide(heads: Heads) -> tuple[Decision, FreezeResult]:
        check_target(cmd.scope, cmd.target, ctx.catalog)
        player_id = await owner(heads, claim, cmd.target) if claim else None
        placed = FreezePlaced(
            freeze_id=freeze_id,
            scope=cmd.scope,
            target=cmd.target,
            reason=cmd.reason,
            created_by=principal(caller),
            occurred_at=ctx.clock(),
            player_id=player_id,
        )
        decision = Decision(appends=(Append(stream=stream, expected=0, events=(placed,)),))
        return decision, result_of(placed)

    return Job(
        command=cmd,
        scope=FREEZES_SCOPE,
        key=key,
        decide=decide,
        result_type=FreezeResult,
        streams=lambda: (stream, claim) if claim else (stream,),
    )


def lift_freeze(
    ctx: Context, cmd: LiftFreeze, key: str | None, caller: Sender
) -> Job[FreezeResult]:
    """The job that ends a freeze: version 2 of its stream, once."""
    stream = accounts.freeze_stream(cmd.freeze_id)

    async def decide(heads: Heads) -> tuple[Decision, FreezeResult]:
        head = await heads.latest(stream)
        if head is None:
            raise UnknownFreeze("there is no such freeze", freezeId=cmd.freeze_id)
        if not isinstance(head.event, FreezePlaced):
            raise FreezeNotActive("this freeze was already lifted", freezeId=cmd.freeze_id)
        lifted = FreezeLifted(
            freeze_id=cmd.freeze_id,
            reason=cmd.reason,
            lifted_by=principal(caller),
            occurred_at=ctx.clock(),
        )
        append = Append(stream=stream, expected=head.version, events=(lifted,))
        return Decision(appends=(append,)), result_of(head.event, lifted)

    return Job(
        command=cmd,
        scope=stream,
        key=key,
        decide=decide,
        result_type=FreezeResult,
        streams=lambda: (stream,),
    )


async def announce(ledger: "LedgerService") -> None:
    """After a freeze or a lift committed: this process refuses by it at once, and every other
    process's follower wakes (infra/freeze_store.py)."""
    if ledger.pool is None:
        return
    async with ledger.pool.acquire() as conn:
        ledger.use_freezes(FreezeIndex(await freeze_store.read_active(conn)))
        await freeze_store.notify(conn)
