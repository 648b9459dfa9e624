"""State builders: what a command needs of a stream, from the stream's newest event.

A player's balances and a shard's budget are carried on their streams' events, so one head
read (not a replay of the stream) gives the state a decision is made on.
"""

from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY
from domain.events import TrancheChanged, Transferred
from domain.ledger import PlayerState, ShardState
from domain.ports import StoredEvent
from domain.timed import NO_TIMED


def player_state(player_id: str, stored: StoredEvent | None) -> PlayerState:
    """A player's state from the newest event of its stream (balances carried on it)."""
    if stored is None:
        raise UnknownPlayer("no such player", playerId=player_id)
    event = stored.event
    if not isinstance(event, Transferred):
        return PlayerState(player_id=player_id, version=stored.version, balances={})
    return PlayerState(
        player_id=player_id,
        version=stored.version,
        balances=dict(event.state_after),
        timed=event.timed or NO_TIMED,
    )


def shard_state(index: int, stored: StoredEvent | None, currency: str = CURRENCY) -> ShardState:
    """A shard's budget from the newest tranche event of its stream."""
    if stored is None or not isinstance(stored.event, TrancheChanged):
        version = stored.version if stored else 0
        return ShardState(index=index, version=version, budget=0, currency=currency)
    budget = stored.event.budget_after
    return ShardState(index=index, version=stored.version, budget=budget, currency=currency)
