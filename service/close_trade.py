"""Accepting, declining, cancelling or expiring a trade: load the trade's stream with both players'
(known from the offer, or followed from the trade's terms) → decide_close_trade. All four append the
trade's version 2, so exactly one of them wins; the losers re-decide on the winner's outcome and are
refused with trade-not-open."""

from domain import accounts
from domain.commands import CloseTrade
from domain.events import TradeOffered
from domain.ledger import Decision
from domain.ports import StoredEvent
from domain.roles import require_player
from domain.state import player_state
from domain.trades import check_close, decide_close_trade, settled, trade_state
from service.context import Context
from service.job import Heads, Job, Sender
from service.results import TradeResult, trade_result

EXPIRER = "expirer"  # the idempotency scope of expiries (they have no player)


def close_trade(ctx: Context, cmd: CloseTrade, key: str | None, caller: Sender) -> Job[TradeResult]:
    """The job that closes trade `cmd.trade_id` with `cmd.outcome`."""
    transfer_id = ctx.new_id()
    stream = accounts.trade_account(cmd.trade_id)

    async def decide(heads: Heads) -> tuple[Decision, TradeResult]:
        trade = trade_state(cmd.trade_id, await heads.first(stream), await heads.latest(stream))
        now = ctx.clock()
        check_close(trade, cmd, now)  # before reading the players: a loser reads nothing more
        terms = trade.offered
        offerer = player_state(terms.offerer_id, await heads.latest(_player(terms.offerer_id)))
        recipient = None
        if cmd.outcome == "accept":  # a swap pays both: neither may be privileged by now
            privileged = await ctx.roles.privileged()
            require_player(privileged, terms.recipient_id, terms.recipient)
            require_player(privileged, terms.offerer_id, terms.offerer)
            head = await heads.latest(_player(terms.recipient_id))
            recipient = player_state(terms.recipient_id, head)
        decision = decide_close_trade(
            trade, offerer, recipient, cmd, transfer_id=transfer_id, now=now
        )
        [closing] = decision.appends[0].events
        after = settled(terms, trade.version + 1, closing)
        return decision, trade_result(after, transfer_id)

    return Job(
        command=cmd,
        scope=cmd.caller_id or EXPIRER,
        key=key,
        decide=decide,
        result_type=TradeResult,
        streams=lambda: (stream, *ctx.parties.of(stream)),
        follow=lambda loaded: _players_of(ctx, stream, loaded.get(stream)),
    )


def _players_of(ctx: Context, stream: str, offered: StoredEvent | None) -> tuple[str, ...]:
    """The streams of an open trade's two players (in its first event)."""
    if offered is None or offered.version != 1 or not isinstance(offered.event, TradeOffered):
        return ()  # no trade, or a closed one: its terms are read when asked for
    terms = offered.event
    return ctx.parties.remember(stream, (_player(terms.offerer_id), _player(terms.recipient_id)))


def _player(player_id: str) -> str:
    return accounts.player_account(player_id)
