"""Offering a trade: load the offerer's stream and the recipient's username claim →
decide_offer_trade. Escrows `give` on the offerer's stream at the version read and opens the
trade's stream at version 1, so two offers can never promise the same coin."""

from domain import accounts
from domain.commands import OfferTrade
from domain.escrow_events import TradeOffered
from domain.ledger import Decision
from domain.trades import TradeState, decide_offer_trade
from service.claims import counterparty, owners_stream, party
from service.context import Context
from service.escrow import opened
from service.job import Heads, Job, Sender
from service.results import TradeResult, trade_result


def offer_trade(ctx: Context, cmd: OfferTrade, key: str | None, caller: Sender) -> Job[TradeResult]:
    """The job that escrows `cmd.give` and offers it to `cmd.to` for `cmd.want`."""
    trade_id, transfer_id = ctx.new_id(), ctx.new_id()
    stream = accounts.player_account(cmd.offerer_id)
    claim = accounts.username_stream(cmd.to)

    async def decide(heads: Heads) -> tuple[Decision, TradeResult]:
        offerer = await party(heads, cmd.offerer_id)
        recipient_id, names = await counterparty(ctx, heads, cmd.offerer_id, claim, cmd.to)
        decision = decide_offer_trade(
            offerer,
            recipient_id,
            cmd,
            names=names,
            trade_id=trade_id,
            transfer_id=transfer_id,
            catalog=ctx.catalog,
            rules=ctx.rules,
            now=ctx.clock(),
        )
        offered = opened(decision, TradeOffered)
        players = (stream, accounts.player_account(recipient_id))
        ctx.parties.remember(accounts.trade_account(trade_id), players)
        return decision, trade_result(TradeState(offered=offered, version=1, status="open"))

    return Job(
        command=cmd,
        scope=cmd.offerer_id,
        key=key,
        decide=decide,
        result_type=TradeResult,
        streams=lambda: (stream, claim),
        follow=owners_stream(claim),
    )
