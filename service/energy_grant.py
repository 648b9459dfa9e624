"""A game server's grant of energy: load the player's username claim, then the player's stream
→ energy_use.decide_grant. No treasury shard: an energy's source is its issuer."""

from domain import accounts
from domain.commands import Grant
from domain.energy_use import decide_grant
from domain.ledger import Decision
from domain.roles import require_player
from domain.state import player_state
from service.claims import owner, owners_stream
from service.context import Context
from service.job import Heads, Job, Sender, principal
from service.spend_energy import EnergyResult, energy_result


def energy_grant(ctx: Context, cmd: Grant, key: str | None, sender: Sender) -> Job[EnergyResult]:
    """The job that grants `cmd.amount` of `cmd.energy` (and its modifier) to `cmd.player`."""
    assert cmd.energy is not None, "an energy grant names its energy"
    energy = cmd.energy
    caller = principal(sender)
    claim = accounts.username_stream(cmd.player)
    transfer_id = ctx.new_id()

    async def decide(heads: Heads) -> tuple[Decision, EnergyResult]:
        player_id = await owner(heads, claim, cmd.player)
        require_player(await ctx.roles.privileged(), player_id, cmd.player)
        player = player_state(player_id, await heads.latest(accounts.player_account(player_id)))
        now = ctx.clock()
        decision = decide_grant(
            player, cmd, catalog=ctx.catalog, transfer_id=transfer_id, rules=ctx.rules, now=now
        )
        return decision, energy_result(ctx, decision, transfer_id, player_id, energy, now)

    return Job(
        command=cmd,
        scope=caller,
        key=key,
        decide=decide,
        result_type=EnergyResult,
        streams=lambda: (claim,),
        follow=owners_stream(claim),
        metadata={"actor": caller},
    )
