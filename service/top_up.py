"""A top-up: load the player's stream, their debt and a treasury shard → decide_top_up, falling
back to the next shards when the first is short (service/payouts.py)."""

from domain import accounts
from domain.commands import TopUp
from domain.players import decide_top_up
from domain.roles import require_player
from service.context import Context
from service.job import Heads, Job, Sender
from service.payouts import payout_job
from service.results import TransferResult


def top_up(ctx: Context, cmd: TopUp, key: str | None, caller: Sender) -> Job[TransferResult]:
    """The job that pays `cmd.amount` from the treasury to the player."""

    async def payee(heads: Heads) -> str:
        require_player(await ctx.roles.privileged(), cmd.player_id, cmd.player_id)
        return cmd.player_id

    reads = (accounts.player_account(cmd.player_id), accounts.debt_stream(cmd.player_id))
    return payout_job(ctx, cmd, key, decide_top_up, scope=cmd.player_id, reads=reads, payee=payee)
