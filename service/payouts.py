"""Treasury payouts to one player (a top-up, a service's grant): a shard of the currency pays,
falling back to the next shards when the first is short (DESIGN-NOTES.md, note 1), and the
player's debt is repaid from it first (service/debts.py)."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from domain import accounts
from domain.assets import Catalog
from domain.commands import EconomyRules, Grant, TopUp
from domain.ledger import Decision, PlayerState, ShardState
from domain.state import player_state
from service.context import Context
from service.debts import repaid_first
from service.job import Heads, Job
from service.results import TransferResult, transfer_result
from service.shards import from_shards

C = TypeVar("C", TopUp, Grant, contravariant=True)


class Pays(Protocol[C]):
    """A payout's decide function (domain: decide_top_up, decide_grant)."""

    def __call__(
        self,
        player: PlayerState,
        shard: ShardState,
        cmd: C,
        /,
        *,
        transfer_id: str,
        rules: EconomyRules,
        catalog: Catalog,
        now: datetime,
    ) -> Decision: ...


def payout_job(
    ctx: Context,
    cmd: C,
    key: str | None,
    pays: Pays[C],
    *,
    scope: str,
    reads: Sequence[str],
    payee: Callable[[Heads], Awaitable[str]],
) -> Job[TransferResult]:
    """The job that pays `cmd.amount` of `cmd.currency` to the player `payee` names (and may
    refuse), as `pays` decides, from the shard this process picks for each attempt; `reads`:
    the streams it loads besides that shard."""
    transfer_id = ctx.new_id()
    picker = ctx.picker(cmd.currency)
    held: list[int] = []  # the shard each attempt started from, released when done
    refusal = f"no treasury shard can fund this {'grant' if isinstance(cmd, Grant) else 'top-up'}"

    def streams() -> Sequence[str]:
        held.append(picker.take())
        return (*reads, accounts.shard_account(held[-1], cmd.currency))

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        player_id = await payee(heads)
        player = player_state(player_id, await heads.latest(accounts.player_account(player_id)))

        def paid(shard: ShardState) -> Decision:
            return pays(
                player,
                shard,
                cmd,
                transfer_id=transfer_id,
                rules=ctx.rules,
                catalog=ctx.catalog,
                now=ctx.clock(),
            )

        decision = await from_shards(
            heads, held[-1], picker.count, paid, refusal, currency=cmd.currency, amount=cmd.amount
        )
        decision = await repaid_first(heads, decision, player_id, ctx.clock())
        return decision, transfer_result(decision, transfer_id, player_id)

    def finish() -> None:
        for index in held:
            picker.release(index)

    return Job(
        command=cmd,
        scope=scope,
        key=key,
        decide=decide,
        result_type=TransferResult,
        streams=streams,
        finish=finish,
    )
