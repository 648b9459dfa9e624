"""Spending energy: load the player's stream → decide_spend (its refill since the last touch
and the spend in one transfer, on the player's stream alone: DESIGN-NOTES 15)."""

from datetime import datetime

import msgspec

from domain.commands import SpendEnergy
from domain.energy_use import decide_spend, seen
from domain.events import Transferred
from domain.ledger import Decision, PlayerState
from service.context import Context
from service.job import Job, Sender
from service.own_stream import own_stream_job
from service.results import balances_after, player_append


class EnergyShown(msgspec.Struct, frozen=True, kw_only=True):
    """An energy right after a write: its value, its max, and when it next refills and is full
    (None at or above max)."""

    code: str
    current: int
    max: int
    next_refill_at: datetime | None
    full_at: datetime | None


class EnergyResult(msgspec.Struct, frozen=True, kw_only=True):
    """What spending or granting energy returns (and a retried key returns again)."""

    transfer_id: str
    player_id: str
    version: int
    balances: dict[str, int]
    energy: EnergyShown


def spend_energy(
    ctx: Context, cmd: SpendEnergy, key: str | None, caller: Sender
) -> Job[EnergyResult]:
    """The job that spends `cmd.amount` of the player's `cmd.energy`."""
    now = ctx.clock()

    def decides(player: PlayerState, transfer_id: str) -> Decision:
        return decide_spend(
            player, cmd, catalog=ctx.catalog, transfer_id=transfer_id, rules=ctx.rules, now=now
        )

    def answer(decision: Decision, transfer_id: str, player_id: str) -> EnergyResult:
        return energy_result(ctx, decision, transfer_id, player_id, cmd.energy, now)

    return own_stream_job(ctx, cmd, key, decides, answer, EnergyResult)


def energy_result(
    ctx: Context, decision: Decision, transfer_id: str, player_id: str, code: str, now: datetime
) -> EnergyResult:
    """The player's version and balances after the decision, and the energy as it left it."""
    mine = player_append(decision, player_id)
    event = mine.events[-1]
    timed = event.timed if isinstance(event, Transferred) else None
    level = seen(timed, ctx.catalog, code, now)
    return EnergyResult(
        transfer_id=transfer_id,
        player_id=player_id,
        version=mine.expected + len(mine.events),
        balances=balances_after(mine),
        energy=EnergyShown(
            code=code,
            current=level.current,
            max=level.max,
            next_refill_at=level.next_refill_at,
            full_at=level.full_at,
        ),
    )
