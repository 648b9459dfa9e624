"""Using items: load the player's stream → draw the drop-table rolls → decide_use.

The draws come from the OS CSPRNG (`secrets`, injectable as `Context.roll` for tests) and are
recorded in the event, so replay reproduces the outcome (DESIGN-NOTES.md, note 11).
"""

import msgspec

from domain.commands import UseItem
from domain.details import UseDetails
from domain.events import Transferred
from domain.ledger import Decision, PlayerState
from domain.shop import decide_use
from service.context import Context
from service.job import Job, Sender
from service.own_stream import own_stream_job
from service.results import balances_after, player_append


class UseResult(msgspec.Struct, frozen=True, kw_only=True):
    """What using items returns: what they granted and the wallet after."""

    transfer_id: str
    player_id: str
    version: int
    balances: dict[str, int]
    granted: dict[str, int]


def use_item(ctx: Context, cmd: UseItem, key: str | None, caller: Sender) -> Job[UseResult]:
    """The job that uses `cmd.quantity` of the player's `cmd.item`."""

    def decides(player: PlayerState, transfer_id: str) -> Decision:
        return decide_use(
            player,
            cmd,
            catalog=ctx.catalog,
            rolls=_rolls(ctx, cmd),
            transfer_id=transfer_id,
            rules=ctx.rules,
            now=ctx.clock(),
        )

    return own_stream_job(ctx, cmd, key, decides, _result, UseResult)


def _rolls(ctx: Context, cmd: UseItem) -> tuple[int, ...]:
    """One draw per item used when the item has a drop table (none otherwise)."""
    item = ctx.catalog.find(cmd.item)
    use = item.on_use if item else None
    total = use.total_weight if use else 0
    if not total or not 1 <= cmd.quantity <= ctx.rules.max_quantity:
        return ()
    return tuple(ctx.roll(total) for _ in range(cmd.quantity))


def _result(decision: Decision, transfer_id: str, player_id: str) -> UseResult:
    mine = player_append(decision, player_id)
    event = mine.events[-1]
    details = event.details if isinstance(event, Transferred) else None
    granted = details.granted if isinstance(details, UseDetails) else None
    return UseResult(
        transfer_id=transfer_id,
        player_id=player_id,
        version=mine.expected + len(mine.events),
        balances=balances_after(mine),
        granted=dict(granted or {}),
    )
