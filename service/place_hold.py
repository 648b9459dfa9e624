"""Placing a hold: load the player's username claim, then their stream → decide_place_hold.
Appends to the player's stream at the version read and opens the hold's stream at version 1."""

from domain import accounts
from domain.commands import PlaceHold
from domain.escrow_events import HoldPlaced
from domain.holds import HoldState, decide_place_hold
from domain.ledger import Decision
from domain.roles import require_player
from service.claims import owner, owners_stream, party, username
from service.context import Context
from service.escrow import opened
from service.job import Heads, Job, Sender, principal
from service.results import HoldResult, hold_result


def place_hold(ctx: Context, cmd: PlaceHold, key: str | None, sender: Sender) -> Job[HoldResult]:
    """The job that sets `cmd.amount` of the player's `cmd.asset` aside for the sender."""
    caller = principal(sender)
    hold_id, transfer_id = ctx.new_id(), ctx.new_id()
    claim = accounts.username_stream(cmd.player)

    async def decide(heads: Heads) -> tuple[Decision, HoldResult]:
        player_id = await owner(heads, claim, cmd.player)
        require_player(await ctx.roles.privileged(), player_id, cmd.player)
        player = await party(heads, player_id)
        decision = decide_place_hold(
            player,
            cmd,
            placed_by=caller,
            hold_id=hold_id,
            transfer_id=transfer_id,
            username=await username(heads, player_id),
            catalog=ctx.catalog,
            rules=ctx.rules,
            now=ctx.clock(),
        )
        placed = opened(decision, HoldPlaced)
        ctx.parties.remember(accounts.hold_account(hold_id), (accounts.player_account(player_id),))
        return decision, hold_result(HoldState(placed=placed, version=1, status="pending"))

    return Job(
        command=cmd,
        scope=caller,
        key=key,
        decide=decide,
        result_type=HoldResult,
        streams=lambda: (claim,),
        follow=owners_stream(claim),
        metadata={"actor": caller},
    )
