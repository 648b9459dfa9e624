"""The player's reads over the projections, with read-your-writes guaranteed.

The read model answers (waiting, bounded, until it reflects the player's latest version). When
it has not caught up in time, the wallet is completed from the stream's head event, which
carries the player's balances after every transfer: a player never sees a balance older than
their own last write, even while the projectors are behind or stopped.
"""

from api import schemas
from domain import accounts
from domain.assets import CURRENCY
from domain.errors import UnknownPlayer
from domain.events import Transferred
from infra import eventstore
from infra.db import Conn
from projections import queries
from projections.history_query import NO_FILTER
from projections.views import PlayerView


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
    balances = head.event.state_after if isinstance(head.event, Transferred) else {}
    return PlayerView(
        player_id=player_id,
        username=view.username,
        referral_code=view.referral_code,
        balance=balances.get(CURRENCY, 0),
        version=head.version,
        inventory={k: v for k, v in balances.items() if k != CURRENCY},
        held=view.held,
        debt=view.debt,
        stale=False,
    )


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
