"""Match settlements: capture every listed hold into one pot and pay the winners, in one transfer.

The transfer is appended to every hold's stream at version 2 (so a settlement races a capture,
void or expiry of any of its holds like they race each other, and exactly one wins) and to each
winner's stream at the version read. What the payouts leave of the pot goes to the treasury's
inflow account: the rake.
"""

from collections import defaultdict
from datetime import datetime

from domain import accounts, escrow
from domain.commands import Settle
from domain.details import SettlementDetails
from domain.escrow_errors import HoldNotPending, MixedAssets, PayoutsExceedPot
from domain.events import Leg
from domain.holds import Actor, HoldState, check_closer
from domain.ledger import Decision, PlayerState
from domain.transfer_errors import InvalidAmount


def decide_settle(
    holds: list[HoldState],
    winners: dict[str, PlayerState],
    cmd: Settle,
    *,
    by: Actor,
    settlement_id: str,
    transfer_id: str,
    now: datetime,
) -> Decision:
    """One transfer from the holds to the winners (`winners`: username -> state) and the rake."""
    for hold in holds:  # first: a stranger learns nothing of another's holds
        check_closer(hold, by, cmd.reason)
    asset, pot = _check(holds, cmd, now)
    paid = per_winner(cmd)
    legs = [Leg(accounts.hold_account(h.placed.hold_id), asset, -h.placed.amount) for h in holds]
    legs += [
        Leg(accounts.player_account(winners[name].player_id), asset, amount)
        for name, amount in sorted(paid.items())
    ]
    if rake := pot - sum(paid.values()):
        legs.append(Leg(accounts.INFLOW, asset, rake))
    details = SettlementDetails(settlement_id=settlement_id, memo=cmd.memo, reason=cmd.reason)
    return escrow.close_escrow(
        [(accounts.hold_account(h.placed.hold_id), {asset: h.placed.amount}) for h in holds],
        legs,
        code="settlement",
        transfer_id=transfer_id,
        details=details,
        mirrors=[(winners[name], details) for name in sorted(paid)],
        now=now,
    )


def per_winner(cmd: Settle) -> dict[str, int]:
    """What each winner is paid (payouts to one username add up), by lower-case username."""
    paid: dict[str, int] = defaultdict(int)
    for payout in cmd.payouts:
        paid[payout.to.lower()] += payout.amount
    return dict(paid)


def pot_of(holds: list[HoldState]) -> int:
    """What the holds put in the pot."""
    return sum(h.placed.amount for h in holds)


def _check(holds: list[HoldState], cmd: Settle, now: datetime) -> tuple[str, int]:
    if not holds or len({h.placed.hold_id for h in holds}) != len(holds):
        raise InvalidAmount("a settlement lists one or more holds, each once")
    for hold in holds:
        terms = hold.placed
        if hold.status != "pending" or now >= terms.expires_at:
            status = hold.status if hold.status != "pending" else "expired"
            raise HoldNotPending(
                f"hold {terms.hold_id} is {status}, no longer pending",
                holdId=terms.hold_id,
                holdStatus=status,
            )
    assets = sorted({h.placed.asset for h in holds})
    if len(assets) > 1:
        raise MixedAssets("the holds of a settlement must all be of one asset", assets=assets)
    pot, paid = pot_of(holds), sum(p.amount for p in cmd.payouts)
    if any(p.amount < 1 for p in cmd.payouts):
        raise InvalidAmount("every payout is at least 1")
    if paid > pot:
        raise PayoutsExceedPot(
            f"the payouts are {paid} {assets[0]} but the pot is {pot}", pot=pot, paid=paid
        )
    return assets[0], pot
