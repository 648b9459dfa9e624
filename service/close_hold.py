"""Capturing, voiding or expiring a hold: load the hold's stream with the player's (known from the
placing, or followed from the hold's terms) → decide_close_hold. All three append the hold's version
2, so exactly one of them wins; the losers re-decide on the winner's outcome and are refused with
hold-not-pending."""

from domain import accounts
from domain.commands import CloseHold
from domain.events import HoldPlaced
from domain.holds import decide_close_hold, hold_state, settled
from domain.ledger import Decision
from domain.ports import StoredEvent
from domain.state import player_state
from service.context import Context
from service.job import Heads, Job, Sender, actor
from service.results import HoldResult, hold_result


def close_hold(ctx: Context, cmd: CloseHold, key: str | None, sender: Sender) -> Job[HoldResult]:
    """The job that captures, voids or expires hold `cmd.hold_id` for the sender (in its role)."""
    transfer_id = ctx.new_id()
    stream = accounts.hold_account(cmd.hold_id)
    by = actor(sender)
    caller = by.account

    async def decide(heads: Heads) -> tuple[Decision, HoldResult]:
        hold = hold_state(cmd.hold_id, await heads.first(stream), await heads.latest(stream))
        player_id = hold.placed.player_id
        player = player_state(player_id, await heads.latest(accounts.player_account(player_id)))
        decision = decide_close_hold(
            hold, player, cmd, by=by, transfer_id=transfer_id, now=ctx.clock()
        )
        [closing] = decision.appends[0].events
        after = settled(hold.placed, hold.version + 1, closing)
        return decision, hold_result(after, transfer_id)

    return Job(
        command=cmd,
        scope=caller,
        key=key,
        decide=decide,
        result_type=HoldResult,
        streams=lambda: (stream, *ctx.parties.of(stream)),
        follow=lambda loaded: _player_of(ctx, stream, loaded.get(stream)),
        metadata={"actor": caller},
    )


def _player_of(ctx: Context, stream: str, placed: StoredEvent | None) -> tuple[str, ...]:
    """The stream of the player a pending hold holds funds of (in its first event)."""
    if placed is None or placed.version != 1 or not isinstance(placed.event, HoldPlaced):
        return ()  # no hold, or a closed one: its terms are read when asked for
    return ctx.parties.remember(stream, (accounts.player_account(placed.event.player_id),))
