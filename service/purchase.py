"""A purchase: load the player's stream → decide_purchase. Only the player's stream is checked:
the treasury's credit is a leg of the same event (DESIGN-NOTES.md, note 1)."""

from domain import accounts
from domain.commands import Purchase
from domain.ledger import Decision
from domain.players import decide_purchase
from domain.roles import require_player
from domain.state import player_state
from service.context import Context
from service.job import Heads, Job, Sender
from service.results import TransferResult, transfer_result


def purchase(ctx: Context, cmd: Purchase, key: str | None, caller: Sender) -> Job[TransferResult]:
    """The job that buys `cmd.item` for the player."""
    transfer_id = ctx.new_id()
    stream = accounts.player_account(cmd.player_id)

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        require_player(await ctx.roles.privileged(), cmd.player_id)
        player = player_state(cmd.player_id, await heads.latest(stream))
        decision = decide_purchase(
            player,
            cmd,
            catalog=ctx.catalog,
            transfer_id=transfer_id,
            rules=ctx.rules,
            now=ctx.clock(),
        )
        return decision, transfer_result(decision, transfer_id, cmd.player_id)

    return Job(
        command=cmd,
        scope=cmd.player_id,
        key=key,
        decide=decide,
        result_type=TransferResult,
        streams=lambda: (stream,),
    )
