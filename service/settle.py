"""A match settlement: load every listed hold's stream and each winner's username claim, then the
winners' streams → decide_settle. One transfer, appended to every hold's stream at version 2 and
to each winner's stream at the version read, in one transaction."""

import msgspec

from domain import accounts
from domain.commands import Settle
from domain.holds import hold_state, visible
from domain.ledger import Decision, PlayerState
from domain.roles import require_player
from domain.settlements import decide_settle, per_winner, pot_of
from domain.state import player_state
from service.claims import owner
from service.context import Context
from service.job import Heads, Job, Sender, actor


class SettleResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a settlement did: the pot, what the winners got and the rake."""

    settlement_id: str
    transfer_id: str
    asset: str
    pot: int
    paid: int
    rake: int


def settle(ctx: Context, cmd: Settle, key: str | None, sender: Sender) -> Job[SettleResult]:
    """The job that settles a match for `caller` (a game server, or an admin)."""
    settlement_id, transfer_id = ctx.new_id(), ctx.new_id()
    by = actor(sender)
    caller = by.account
    streams = [accounts.hold_account(h) for h in cmd.holds]
    claims = [accounts.username_stream(name) for name in per_winner(cmd)]

    async def decide(heads: Heads) -> tuple[Decision, SettleResult]:
        # Each hold is checked as it is loaded: listing another's hold beside one that does not
        # exist answers for whichever comes first, never telling which of them exists.
        holds = [
            visible(hold_state(hold_id, await heads.first(stream), await heads.latest(stream)), by)
            for hold_id, stream in zip(cmd.holds, streams, strict=True)
        ]
        winners: dict[str, PlayerState] = {}
        privileged = await ctx.roles.privileged()
        for name in per_winner(cmd):
            player_id = await owner(heads, accounts.username_stream(name), name)
            require_player(privileged, player_id, name)  # game servers pay players only
            stream = accounts.player_account(player_id)
            winners[name] = player_state(player_id, await heads.latest(stream))
        decision = decide_settle(
            holds,
            winners,
            cmd,
            by=by,
            settlement_id=settlement_id,
            transfer_id=transfer_id,
            now=ctx.clock(),
        )
        pot, paid = pot_of(holds), sum(per_winner(cmd).values())
        result = SettleResult(
            settlement_id=settlement_id,
            transfer_id=transfer_id,
            asset=holds[0].placed.asset,
            pot=pot,
            paid=paid,
            rake=pot - paid,
        )
        return decision, result

    return Job(
        command=cmd,
        scope=caller,
        key=key,
        decide=decide,
        result_type=SettleResult,
        streams=lambda: (*streams, *claims),
        metadata={"actor": caller},
    )
