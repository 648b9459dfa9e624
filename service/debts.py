"""What every treasury credit to a player does first: repay the player's debt (domain/debt.py)."""

from datetime import datetime

from domain import accounts
from domain.debt import debt_state, repay_first
from domain.ledger import Decision
from service.job import Heads


async def repaid_first(heads: Heads, decision: Decision, player_id: str, now: datetime) -> Decision:
    """The credit `decision` with the player's debt repaid from it first (if they owe any)."""
    debt = debt_state(player_id, await heads.latest(accounts.debt_stream(player_id)))
    return repay_first(decision, debt, now)
