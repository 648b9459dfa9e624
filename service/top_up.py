"""A top-up: load the player's stream and a treasury shard → decide_top_up, falling back to the
next shards when the first is short (DESIGN-NOTES.md, note 1)."""

from collections.abc import Sequence

from domain import accounts
from domain.commands import TopUp
from domain.ledger import Decision, ShardState
from domain.players import decide_top_up
from domain.roles import require_player
from domain.state import player_state
from service.context import Context
from service.debts import repaid_first
from service.job import Heads, Job, Sender
from service.results import TransferResult, transfer_result
from service.shards import from_shards


def top_up(ctx: Context, cmd: TopUp, key: str | None, caller: Sender) -> Job[TransferResult]:
    """The job that pays `cmd.amount` from the treasury to the player."""
    transfer_id = ctx.new_id()
    stream = accounts.player_account(cmd.player_id)
    picker = ctx.picker(cmd.currency)
    held: list[int] = []  # the shard each attempt started from, released when done

    def streams() -> Sequence[str]:
        held.append(picker.take())
        debts = accounts.debt_stream(cmd.player_id)
        return stream, accounts.shard_account(held[-1], cmd.currency), debts

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        require_player(await ctx.roles.privileged(), cmd.player_id, cmd.player_id)
        player = player_state(cmd.player_id, await heads.latest(stream))

        def pay(shard: ShardState) -> Decision:
            return decide_top_up(
                player,
                shard,
                cmd,
                transfer_id=transfer_id,
                rules=ctx.rules,
                now=ctx.clock(),
                catalog=ctx.catalog,
            )

        decision = await from_shards(
            heads,
            held[-1],
            picker.count,
            pay,
            "no treasury shard can fund this top-up",
            currency=cmd.currency,
            amount=cmd.amount,
        )
        decision = await repaid_first(heads, decision, cmd.player_id, ctx.clock())
        return decision, transfer_result(decision, transfer_id, cmd.player_id)

    def finish() -> None:
        for index in held:
            picker.release(index)

    return Job(
        command=cmd,
        scope=cmd.player_id,
        key=key,
        decide=decide,
        result_type=TransferResult,
        streams=streams,
        finish=finish,
    )
