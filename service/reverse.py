"""A reversal: load the player's stream and the transfer's reversal claim → decide_reversal, a
correcting transfer that undoes the original once (the claim stream makes it at most once)."""

from domain import accounts
from domain.commands import Reverse
from domain.ledger import Decision, ShardState
from domain.players import decide_reversal
from domain.state import player_state
from domain.transfer_errors import AlreadyReversed, UnknownTransfer
from service.context import Context
from service.job import Heads, Job, Sender
from service.results import TransferResult, transfer_result
from service.shards import from_shards, random_start


def reverse(ctx: Context, cmd: Reverse, key: str | None, caller: Sender) -> Job[TransferResult]:
    """The job that undoes `cmd.transfer_id` for the player, with the operator's reason."""
    transfer_id = ctx.new_id()
    stream = accounts.player_account(cmd.player_id)
    claim = accounts.reversal_stream(cmd.transfer_id)

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        player = player_state(cmd.player_id, await heads.latest(stream))
        original = await heads.find_transfer(stream, cmd.transfer_id)
        if original is None:
            raise UnknownTransfer("the player has no such transfer", transferId=cmd.transfer_id)
        if await heads.latest(claim):
            raise AlreadyReversed("this transfer was already reversed", transferId=cmd.transfer_id)

        def refund(shard: ShardState) -> Decision:
            return decide_reversal(
                player, original, shard, cmd, transfer_id=transfer_id, now=ctx.clock()
            )

        count = ctx.rules.shard_count
        refusal = "no treasury shard can fund this refund"
        decision = await from_shards(heads, random_start(count), count, refund, refusal)
        return decision, transfer_result(decision, transfer_id, cmd.player_id)

    return Job(
        command=cmd,
        scope=cmd.player_id,
        key=key,
        decide=decide,
        result_type=TransferResult,
        streams=lambda: (stream, claim),
        caller=cmd.actor,  # the operator's key, never the player's
    )
