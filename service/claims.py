"""How a job finds the players it decides on: by username (the username's claim stream names
its owner, whose stream opens with the registration that holds the username), and their
balances as an attempt sees them."""

from collections.abc import Callable, Mapping, Sequence

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.events import Claimed, PlayerRegistered
from domain.ledger import PlayerState
from domain.ports import StoredEvent
from domain.roles import require_player
from domain.state import player_state
from service.context import Context
from service.job import Heads


def owners_stream(claim: str) -> Callable[[Mapping[str, StoredEvent | None]], Sequence[str]]:
    """A job's `follow` for a username claim: the stream of the player it names."""

    def follow(loaded: Mapping[str, StoredEvent | None]) -> Sequence[str]:
        claimed = loaded.get(claim)
        if claimed is None or not isinstance(claimed.event, Claimed):
            return ()  # no such player: the decision refuses
        return (accounts.player_account(claimed.event.owner),)

    return follow


async def owner(heads: Heads, claim: str, name: str) -> str:
    """The player id a username belongs to, or UnknownPlayer."""
    claimed = await heads.first(claim)
    if claimed is None or not isinstance(claimed.event, Claimed):
        raise UnknownPlayer(f"there is no player named '{name}'", username=name)
    return claimed.event.owner


async def username(heads: Heads, player_id: str) -> str:
    """A player's username, from the registration that opens their stream."""
    first = await heads.first(accounts.player_account(player_id))
    if first is None or not isinstance(first.event, PlayerRegistered):
        raise UnknownPlayer("no such player", playerId=player_id)
    return first.event.username


async def counterparty(
    ctx: Context, heads: Heads, sender_id: str, claim: str, name: str
) -> tuple[str, tuple[str, str]]:
    """The player named `name` (by `claim`) and both players' usernames (the sender's first),
    once neither is a privileged account, which holds no wallet."""
    receiver_id = await owner(heads, claim, name)
    names = (await username(heads, sender_id), await username(heads, receiver_id))
    privileged = await ctx.roles.privileged()
    require_player(privileged, sender_id)
    require_player(privileged, receiver_id, names[1])
    return receiver_id, names


async def party(heads: Heads, player_id: str) -> PlayerState:
    """A player's balances as this attempt sees them."""
    return player_state(player_id, await heads.latest(accounts.player_account(player_id)))
