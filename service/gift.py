"""A gift: load the sender's stream, their gift window and the receiver's username claim, then
the receiver's stream → decide_gift. One transfer appended to both players' streams and the
sender's window, each at the version read (DESIGN-NOTES.md, note 7)."""

from collections.abc import Callable, Mapping, Sequence

from domain import accounts
from domain.commands import Gift
from domain.errors import UnknownPlayer
from domain.events import Claimed, PlayerRegistered
from domain.gifts import GiftWindow, decide_gift
from domain.ledger import Decision
from domain.ports import StoredEvent
from domain.roles import require_player
from domain.state import player_state
from service.context import Context
from service.job import Heads, Job, Sender
from service.results import TransferResult, transfer_result


def gift(ctx: Context, cmd: Gift, key: str | None, caller: Sender) -> Job[TransferResult]:
    """The job that moves `cmd.amount` of `cmd.asset` from the sender to `cmd.to`."""
    transfer_id = ctx.new_id()
    stream = accounts.player_account(cmd.sender_id)
    window = accounts.gifts_stream(cmd.sender_id)
    claim = accounts.username_stream(cmd.to)

    async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
        sender = player_state(cmd.sender_id, await heads.latest(stream))
        receiver_id = await owner(heads, claim, cmd.to)
        names = (await username(heads, cmd.sender_id), await username(heads, receiver_id))
        privileged = await ctx.roles.privileged()
        require_player(privileged, cmd.sender_id)
        require_player(privileged, receiver_id, names[1])
        receiver_stream = accounts.player_account(receiver_id)
        receiver = player_state(receiver_id, await heads.latest(receiver_stream))
        decision = decide_gift(
            sender,
            receiver,
            GiftWindow(await heads.latest(window)),
            cmd,
            names=names,
            transfer_id=transfer_id,
            catalog=ctx.catalog,
            rules=ctx.rules,
            now=ctx.clock(),
        )
        return decision, transfer_result(decision, transfer_id, cmd.sender_id)

    return Job(
        command=cmd,
        scope=cmd.sender_id,
        key=key,
        decide=decide,
        result_type=TransferResult,
        streams=lambda: (stream, window, claim),
        follow=owners_stream(claim),
    )


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
