"""A gift: load the sender's stream, their gift window and the receiver's username claim, then
the receiver's stream → decide_gift. One transfer appended to both players' streams and the
sender's window, each at the version read (DESIGN-NOTES.md, note 7)."""

from domain import accounts
from domain.commands import Gift
from domain.gifts import GiftWindow, decide_gift
from domain.ledger import Decision
from service.claims import counterparty, owners_stream, party
from service.context import Context
from service.job import Heads, Job, Sender
from service.results import TransferResult, transfer_result


def gift(ctx: Context, cmd: Gift, key: str | None, caller: Sender) -> Job[TransferResult]:
    """The job that moves `cmd.amount` of `cmd.asset` from the sender to `cmd.to`."""
    transfer_id = ctx.new_id()
    stream = accounts.player_account(cmd.sender_id)
    window = accounts.gifts_stream(cmd.sender_id)
    claim = accounts.username_stream(cmd.to)

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        sender = await party(heads, cmd.sender_id)
        receiver_id, names = await counterparty(ctx, heads, cmd.sender_id, claim, cmd.to)
        receiver = await party(heads, receiver_id)
        decision = decide_gift(
            sender,
            receiver,
            GiftWindow(await heads.latest(window)),
            cmd,
            names=names,
            transfer_id=transfer_id,
            catalog=ctx.catalog,
            rules=ctx.rules,
            now=ctx.clock(),
        )
        return decision, transfer_result(decision, transfer_id, cmd.sender_id)

    return Job(
        command=cmd,
        scope=cmd.sender_id,
        key=key,
        decide=decide,
        result_type=TransferResult,
        streams=lambda: (stream, window, claim),
        follow=owners_stream(claim),
    )
