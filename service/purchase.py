"""A purchase: load the player's stream → decide_purchase. Only the player's stream is checked:
the treasury's credit is a leg of the same event (service/own_stream.py)."""

from domain.commands import Purchase
from domain.ledger import Decision, PlayerState
from domain.players import decide_purchase
from service.context import Context
from service.job import Job, Sender
from service.own_stream import own_stream_job
from service.results import TransferResult, transfer_result


def purchase(ctx: Context, cmd: Purchase, key: str | None, caller: Sender) -> Job[TransferResult]:
    """The job that buys `cmd.item` for the player."""

    def decides(player: PlayerState, transfer_id: str) -> Decision:
        return decide_purchase(
            player,
            cmd,
            catalog=ctx.catalog,
            transfer_id=transfer_id,
            rules=ctx.rules,
            now=ctx.clock(),
        )

    return own_stream_job(ctx, cmd, key, decides, transfer_result, TransferResult)
