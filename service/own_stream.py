"""Jobs decided on the player's own stream alone (a purchase, using items): the treasury's and
the issuers' legs ride in the same event, so no other stream is read (DESIGN-NOTES.md, note 1)."""

from collections.abc import Callable
from typing import TypeVar

import msgspec

from domain import accounts
from domain.commands import ExpireLots, Purchase, SpendEnergy, UseItem
from domain.ledger import Decision, PlayerState
from domain.roles import require_player
from domain.state import player_state
from service.context import Context
from service.job import Heads, Job

R = TypeVar("R", bound=msgspec.Struct)


def own_stream_job(
    ctx: Context,
    cmd: Purchase | UseItem | SpendEnergy | ExpireLots,
    key: str | None,
    decides: Callable[[PlayerState, str], Decision],
    answer: Callable[[Decision, str, str], R],
    result_type: type[R],
) -> Job[R]:
    """The job where `decides(player, transfer_id)` decides on the player's stream, answered
    with `answer(decision, transfer_id, player_id)`."""
    transfer_id = ctx.new_id()
    stream = accounts.player_account(cmd.player_id)

    async def decide(heads: Heads) -> tuple[Decision, R]:
        require_player(await ctx.roles.privileged(), cmd.player_id)
        decision = decides(player_state(cmd.player_id, await heads.latest(stream)), transfer_id)
        return decision, answer(decision, transfer_id, cmd.player_id)

    return Job(
        command=cmd,
        scope=cmd.player_id,
        key=key,
        decide=decide,
        result_type=result_type,
        streams=lambda: (stream,),
    )
