"""A store credit: load the receipt's claim, the player's stream and a shard of the product's
currency → decide_store_credit. The receipt's id is the idempotency key, so the same receipt
sent again (or twenty times at once) by its player answers the first credit."""

from collections.abc import Sequence

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import StoreCredit
from domain.events import Claimed
from domain.ledger import Decision, PlayerState, ShardState
from domain.ports import StoredEvent
from domain.receipt_errors import ReceiptAlreadyUsed, UnknownStoreProduct
from domain.receipts import check_buyer, decide_store_credit, grant_of
from domain.roles import require_player
from domain.state import player_state
from service.context import Context
from service.debts import repaid_first
from service.job import Heads, Job, Sender
from service.results import TransferResult, transfer_result
from service.shards import from_shards


def store_credit(
    ctx: Context, cmd: StoreCredit, key: str | None, caller: Sender
) -> Job[TransferResult]:
    """The job that credits a verified receipt once, to the player who sent it first."""
    transfer_id = ctx.new_id()
    stream = accounts.player_account(cmd.player_id)
    claim = accounts.receipt_stream(cmd.store, cmd.receipt_id)
    held: list[tuple[str, int]] = []  # (currency, shard) each attempt started from

    def streams() -> Sequence[str]:
        currency = _currency(ctx, cmd)
        held.append((currency, ctx.picker(currency).take()))
        shard = accounts.shard_account(held[-1][1], currency)
        return claim, stream, shard, accounts.debt_stream(cmd.player_id)

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        check_buyer(cmd)
        require_player(await ctx.roles.privileged(), cmd.player_id)
        player = player_state(cmd.player_id, await heads.latest(stream))
        claimed = await heads.first(claim)
        if claimed is not None:
            return Decision(appends=()), _credited_before(claimed, player, cmd)
        catalog = ctx.catalog
        currency, amount = grant_of(catalog, cmd.store, cmd.product_id, cmd.quantity)

        def pay(shard: ShardState) -> Decision:
            return decide_store_credit(
                player, shard, cmd, catalog=catalog, transfer_id=transfer_id, now=ctx.clock()
            )

        refusal = "no treasury shard can fund this store purchase"
        count = ctx.picker(currency).count
        decision = await from_shards(
            heads, held[-1][1], count, pay, refusal, currency=currency, amount=amount
        )
        decision = await repaid_first(heads, decision, cmd.player_id, ctx.clock())
        return decision, transfer_result(decision, transfer_id, cmd.player_id)

    def finish() -> None:
        for currency, index in held:
            ctx.picker(currency).release(index)

    return Job(
        command=cmd,
        # Its own scope: a player's Idempotency-Key headers can never collide with receipts.
        scope=f"store:{cmd.player_id}",
        key=f"{cmd.store}:{cmd.receipt_id}",
        decide=decide,
        result_type=TransferResult,
        streams=streams,
        finish=finish,
        metadata={"store": cmd.store, "receipt_id": cmd.receipt_id},
    )


def _currency(ctx: Context, cmd: StoreCredit) -> str:
    try:
        return grant_of(ctx.catalog, cmd.store, cmd.product_id, cmd.quantity)[0]
    except UnknownStoreProduct:  # refused when deciding; any shard will do until then
        return CURRENCY


def _credited_before(claimed: StoredEvent, player: PlayerState, cmd: StoreCredit) -> TransferResult:
    """The receipt's claim was there: its own player's credit again, anyone else's refusal.

    The idempotency record normally answers a replay before this; this answers one whose
    record was forgotten (IDEMPOTENCY_RETENTION_DAYS) with the player's wallet now.
    """
    event = claimed.event
    assert isinstance(event, Claimed)
    if event.owner != cmd.player_id:
        raise ReceiptAlreadyUsed(
            "this receipt was already credited to another player",
            store=cmd.store,
            receiptId=cmd.receipt_id,
        )
    return TransferResult(
        transfer_id=event.transfer_id or "",
        player_id=cmd.player_id,
        version=player.version,
        balances=dict(player.balances),
    )
