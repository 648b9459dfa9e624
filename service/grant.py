"""A service's grant: load the player's username claim and a treasury shard, then the player's
stream → decide_grant, falling back to the next shards when the first is short."""

from collections.abc import Sequence

from domain import accounts
from domain.commands import Grant
from domain.credits import decide_grant
from domain.ledger import Decision, ShardState
from domain.roles import require_player
from domain.state import player_state
from service.context import Context
from service.debts import repaid_first
from service.gift import owner, owners_stream
from service.job import Heads, Job, Sender, principal
from service.results import TransferResult, transfer_result
from service.shards import from_shards


def grant(ctx: Context, cmd: Grant, key: str | None, sender: Sender) -> Job[TransferResult]:
    """The job that pays `cmd.amount` of `cmd.currency` from the treasury to `cmd.player`."""
    caller = principal(sender)
    transfer_id = ctx.new_id()
    claim = accounts.username_stream(cmd.player)
    picker = ctx.picker(cmd.currency)
    held: list[int] = []

    def streams() -> Sequence[str]:
        held.append(picker.take())
        return claim, accounts.shard_account(held[-1], cmd.currency)

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        player_id = await owner(heads, claim, cmd.player)
        require_player(await ctx.roles.privileged(), player_id, cmd.player)
        player = player_state(player_id, await heads.latest(accounts.player_account(player_id)))

        def pay(shard: ShardState) -> Decision:
            return decide_grant(
                player,
                shard,
                cmd,
                transfer_id=transfer_id,
                rules=ctx.rules,
                catalog=ctx.catalog,
                now=ctx.clock(),
            )

        refusal = "no treasury shard can fund this grant"
        decision = await from_shards(
            heads, held[-1], picker.count, pay, refusal, currency=cmd.currency, amount=cmd.amount
        )
        decision = await repaid_first(heads, decision, player_id, ctx.clock())
        return decision, transfer_result(decision, transfer_id, player_id)

    def finish() -> None:
        for index in held:
            picker.release(index)

    return Job(
        command=cmd,
        scope=caller,
        key=key,
        decide=decide,
        result_type=TransferResult,
        streams=streams,
        follow=owners_stream(claim),
        finish=finish,
        metadata={"actor": caller},
    )
