"""An expiry of lots: load the player's stream → decide_expiry. It races with the player's
spends through the player's expected version, so a coin is spent or expired, never both."""

from domain.commands import ExpireLots
from domain.expiry import decide_expiry
from domain.ledger import Decision, PlayerState
from service.context import Context
from service.job import Job, Sender
from service.own_stream import own_stream_job
from service.results import TransferResult, transfer_result


def expire_lots(
    ctx: Context, cmd: ExpireLots, key: str | None, caller: Sender
) -> Job[TransferResult]:
    """The job that gives the player's expired lots back to their treasury."""

    def decides(player: PlayerState, transfer_id: str) -> Decision:
        currencies = ctx.catalog.currency_codes()
        return decide_expiry(
            player, currencies=currencies, transfer_id=transfer_id, now=ctx.clock()
        )

    return own_stream_job(ctx, cmd, key, decides, transfer_result, TransferResult)
