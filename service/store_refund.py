"""A store refund: load the receipt's claim, then the credit it names, the player's stream and
their debt → decide_refund. The refund claims version 2 of the receipt's stream: at most once,
and a notification the store sends again is answered with nothing to do."""

from domain import accounts
from domain.commands import StoreRefund
from domain.debt import debt_state, decide_refund
from domain.events import Claimed
from domain.ledger import Decision
from domain.state import player_state
from domain.transfer_errors import UnknownTransfer
from service.context import Context
from service.job import Heads, Job, Sender
from service.results import TransferResult, transfer_result


def store_refund(
    ctx: Context, cmd: StoreRefund, key: str | None, caller: Sender
) -> Job[TransferResult]:
    """The job that takes a refunded receipt's grant back (debt for what was spent)."""
    transfer_id = ctx.new_id()
    claim = accounts.receipt_stream(cmd.store, cmd.receipt_id)

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        head = await heads.latest(claim)
        first = await heads.first(claim)
        if first is None or not isinstance(first.event, Claimed) or head is None:
            raise UnknownTransfer(
                "no credit of this receipt", store=cmd.store, receiptId=cmd.receipt_id
            )
        owner, credit_id = first.event.owner, first.event.transfer_id or ""
        stream = accounts.player_account(owner)
        player = player_state(owner, await heads.latest(stream))
        if head.version >= 2:  # refunded before
            done = head.event.transfer_id if isinstance(head.event, Claimed) else None
            result = TransferResult(
                transfer_id=done or "",
                player_id=owner,
                version=player.version,
                balances=dict(player.balances),
            )
            return Decision(appends=()), result
        credit = await heads.find_transfer(stream, credit_id)
        if credit is None:
            raise UnknownTransfer("the receipt's credit is missing", transferId=credit_id)
        debt = debt_state(owner, await heads.latest(accounts.debt_stream(owner)))
        decision = decide_refund(
            player, credit, debt, cmd, transfer_id=transfer_id, now=ctx.clock()
        )
        return decision, transfer_result(decision, transfer_id, owner)

    return Job(
        command=cmd,
        scope=f"refund:{cmd.store}",
        key=None,  # the receipt stream's version 2 makes it once; a resent notice is a no-op
        decide=decide,
        result_type=TransferResult,
        streams=lambda: (claim,),
        metadata={"store": cmd.store, "receipt_id": cmd.receipt_id},
    )
