"""A service's grant: load the player's username claim and a treasury shard, then the player's
stream → decide_grant, falling back to the next shards when the first is short
(service/payouts.py)."""

from domain import accounts
from domain.commands import Grant
from domain.credits import decide_grant
from domain.roles import require_player
from service.claims import owner, owners_stream
from service.context import Context
from service.energy_grant import energy_grant
from service.job import Heads, Job, Sender, principal
from service.payouts import payout_job
from service.results import TransferResult
from service.spend_energy import EnergyResult


def grant(
    ctx: Context, cmd: Grant, key: str | None, sender: Sender
) -> Job[TransferResult] | Job[EnergyResult]:
    """The job that pays `cmd.amount` of `cmd.currency` from the treasury to `cmd.player` (or,
    naming an energy, grants that energy: service/energy_grant.py)."""
    if cmd.energy is not None:
        return energy_grant(ctx, cmd, key, sender)
    caller = principal(sender)
    claim = accounts.username_stream(cmd.player)

    async def payee(heads: Heads) -> str:
        player_id = await owner(heads, claim, cmd.player)
        require_player(await ctx.roles.privileged(), player_id, cmd.player)
        return player_id

    job = payout_job(ctx, cmd, key, decide_grant, scope=caller, reads=(claim,), payee=payee)
    job.follow = owners_stream(claim)
    job.metadata["actor"] = caller
    return job
