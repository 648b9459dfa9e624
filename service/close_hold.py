"""Capturing, voiding or expiring a hold: load the hold's stream with the player's (known from the
placing, or followed from the hold's terms) → decide_close_hold. All three close the hold's escrow
at version 2 (service/escrow.py), so exactly one of them wins; the losers re-decide on the
winner's outcome and are refused with hold-not-pending."""

from domain import accounts
from domain.commands import CloseHold
from domain.holds import HoldState, decide_close_hold, hold_state
from domain.ledger import Decision
from service.claims import party
from service.context import Context
from service.escrow import EscrowJobs, close_job
from service.job import Heads, Job, Sender, actor
from service.results import HoldResult, hold_result

HOLDS = EscrowJobs(accounts.hold_account, hold_state, hold_result, HoldResult)


def close_hold(ctx: Context, cmd: CloseHold, key: str | None, sender: Sender) -> Job[HoldResult]:
    """The job that captures, voids or expires hold `cmd.hold_id` for the sender (in its role)."""
    by = actor(sender)
    caller = by.account

    async def decide(hold: HoldState, heads: Heads, transfer_id: str) -> Decision:
        player = await party(heads, hold.placed.player_id)
        return decide_close_hold(hold, player, cmd, by=by, transfer_id=transfer_id, now=ctx.clock())

    return close_job(
        HOLDS,
        cmd,
        cmd.hold_id,
        decide,
        ctx=ctx,
        scope=caller,
        key=key,
        metadata={"actor": caller},
    )
