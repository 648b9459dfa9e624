"""Accepting, declining, cancelling or expiring a trade: load the trade's stream with both players'
(known from the offer, or followed from the trade's terms) → decide_close_trade. All four close
the trade's escrow at version 2 (service/escrow.py), so exactly one of them wins; the losers
re-decide on the winner's outcome and are refused with trade-not-open."""

from domain import accounts
from domain.commands import CloseTrade
from domain.ledger import Decision
from domain.roles import require_player
from domain.trades import TradeState, check_close, decide_close_trade, trade_state
from service.claims import party
from service.context import Context
from service.escrow import EscrowJobs, close_job
from service.job import Heads, Job, Sender
from service.results import TradeResult, trade_result

EXPIRER = "expirer"  # the idempotency scope of expiries (they have no player)


TRADES = EscrowJobs(accounts.trade_account, trade_state, trade_result, TradeResult)


def close_trade(ctx: Context, cmd: CloseTrade, key: str | None, caller: Sender) -> Job[TradeResult]:
    """The job that closes trade `cmd.trade_id` with `cmd.outcome`."""

    async def decide(trade: TradeState, heads: Heads, transfer_id: str) -> Decision:
        now = ctx.clock()
        check_close(trade, cmd, now)  # before reading the players: a loser reads nothing more
        terms = trade.offered
        offerer = await party(heads, terms.offerer_id)
        recipient = None
        if cmd.outcome == "accept":  # a swap pays both: neither may be privileged by now
            privileged = await ctx.roles.privileged()
            require_player(privileged, terms.recipient_id, terms.recipient)
            require_player(privileged, terms.offerer_id, terms.offerer)
            recipient = await party(heads, terms.recipient_id)
        return decide_close_trade(
            trade, offerer, recipient, cmd, transfer_id=transfer_id, now=now, names=ctx.catalog
        )

    return close_job(
        TRADES,
        cmd,
        cmd.trade_id,
        decide,
        ctx=ctx,
        scope=cmd.caller_id or EXPIRER,
        key=key,
    )
