"""The expirer: closes holds and trade offers whose expiry has passed, as `expire` commands on
the pipeline (a hold's expiry voids it; a trade's gives the escrow back to the offerer), and
gives players' expired lots of an expiring currency back to its treasury (`ExpireLots`).

A writer, so it lives on the write side; the projector runner starts it beside the sweeper
(service/bootstrap.py `writers`). One process at a time holds its role (an advisory lock), but
safety never rests on that: an expiry appends the hold's version 2 like a capture or a void, so
whichever comes first wins and the others are refused; a lot's expiry appends to the player's
stream at the version it read, like a purchase spending that lot, so a coin is spent or expired,
never both. It is durable because it keeps nothing in memory: every tick it asks the read side
again which holds, trades and lots are due (the `Overdue` port, answered from their read models
by projections/overdue.py), so after a restart (or a takeover by another process) it finds the
ones still pending, open or held.
"""

import asyncio
import contextlib
from datetime import datetime

import asyncpg
import structlog

from domain.commands import CloseHold, CloseTrade, ExpireLots
from domain.errors import DomainError
from domain.ports import Overdue
from service.job import Sender
from service.ledger import LedgerService
from service.sweeper import Elector

ROLE = "expirer"
ACTOR = "expirer"
BATCH = 500
_log = structlog.get_logger(__name__)


async def expire_due(overdue: Overdue, ledger: LedgerService, now: datetime | None = None) -> int:
    """Expire every pending hold, open trade and lot due at `now`; how many this call expired."""
    moment = now or ledger.ctx.clock()  # the clock the decisions read: due means due to both
    holds, trades = await overdue.holds(moment, BATCH), await overdue.trades(moment, BATCH)
    players = await overdue.lots(moment, BATCH)
    expired = 0
    for hold_id in holds:
        with contextlib.suppress(DomainError):  # closed first (the read model lagged)
            # as the system: a hold expires whoever placed it (and whether that is known)
            expire = CloseHold(hold_id=hold_id, outcome="expire")
            await ledger.handle(expire, caller=Sender(ACTOR, "system"))
            expired += 1
    for trade_id in trades:
        with contextlib.suppress(DomainError):  # accepted, declined or cancelled first
            await ledger.handle(CloseTrade(trade_id=trade_id, outcome="expire"))
            expired += 1
    for player_id in players:
        with contextlib.suppress(DomainError):  # spent first, or expired already (read lag)
            await ledger.handle(ExpireLots(player_id=player_id), caller=Sender(ACTOR, "system"))
            expired += 1
    return expired


async def run_expirer(
    pool: asyncpg.Pool,
    ledger: LedgerService,
    stop: asyncio.Event,
    *,
    leader: Elector,
    overdue: Overdue,
    interval: float = 1.0,
) -> None:
    """Expire due holds, trades and lots every `interval` s while this process holds the role."""
    while not stop.is_set():
        try:
            if await leader.holds(ROLE) and (count := await expire_due(overdue, ledger)):
                _log.info("holds, trades and lots expired", count=count)
        except Exception:  # the expirer must outlive a database hiccup
            _log.exception("expiry failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
