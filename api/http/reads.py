"""The reads several rooms answer with: the player's, with read-your-writes guaranteed, and
the wire form of a trade (the player's trades and the operator's escrow list).

The read model answers (waiting, bounded, until it reflects the player's latest version). When
it has not caught up in time, the wallet is completed from the stream's head event, which
carries the player's balances after every transfer: a player never sees a balance older than
their own last write, even while the projectors are behind or stopped.
"""

from api.http import schemas
from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY
from domain.debt import debt_state
from domain.events import Transferred
from domain.timed import NO_TIMED, TimedState
from infra import eventstore
from infra.db import Conn
from projections import queries, trades
from projections.history_query import NO_FILTER
from projections.views import PlayerView
from service.results import TradeResult


async def wallet(conn: Conn, player_id: str) -> PlayerView:
    """The player's wallet as of (at least) the latest version of the player's stream."""
    view = await queries.player_view(conn, player_id)
    if view is None:
        raise UnknownPlayer("no such player", playerId=player_id)
    if not view.stale:
        return view
    head = await eventstore.latest(conn, accounts.player_account(player_id))
    if head is None:
        return view
    # Registration only: no balances yet, but the version is the registration's, not 0.
    transfer = head.event if isinstance(head.event, Transferred) else None
    balances = transfer.state_after if transfer else {}
    debt = debt_state(player_id, await eventstore.latest(conn, accounts.debt_stream(player_id)))
    return PlayerView(
        player_id=player_id,
        username=view.username,
        referral_code=view.referral_code,
        balance=balances.get(CURRENCY, 0),
        version=head.version,
        inventory={k: v for k, v in balances.items() if k != CURRENCY and v},
        held=view.held,
        debt=dict(debt.debts),
        stale=False,
        timed=transfer.timed if transfer else None,
    )


async def timed(conn: Conn, player_id: str) -> TimedState:
    """The player's energies, lots and offer counters: carried on the newest event of its
    stream (domain/timed.py), so the write side's own state, never a projection's."""
    head = await eventstore.latest(conn, accounts.player_account(player_id))
    event = head.event if head is not None else None
    return (event.timed if isinstance(event, Transferred) else None) or NO_TIMED


async def history(
    conn: Conn,
    player_id: str,
    *,
    before: int | None,
    limit: int,
    filters: queries.HistoryFilter = NO_FILTER,
) -> schemas.HistoryPage:
    """One page of the player's entries, newest first (`stale` if the projection lagged)."""
    page = await queries.history_page(
        conn, player_id, before_version=before, limit=limit, filters=filters
    )
    return schemas.HistoryPage(
        entries=page.entries,
        next_cursor=page.next_cursor,
        stale=page.stale,
    )


def trade_answer(result: TradeResult | trades.TradeView) -> schemas.TradeResponse:
    """The wire form of a trade, to its players and to the operator."""
    return schemas.TradeResponse(
        trade_id=result.trade_id,
        status=result.status,  # type: ignore[arg-type]  # one of domain.trades.TradeStatus
        from_=result.offerer,
        to=result.recipient,
        give=result.give,
        want=result.want,
        expires_at=result.expires_at,
    )
