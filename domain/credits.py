"""Currency paid out of the treasury to a player: service grants and store credits.

Like a top-up, one shard of the currency pays (its budget bounds the debit); unlike a
player's top-up, these are always allowed: a game server or a verified store receipt stands
behind them (README: Who may mint).
"""

from datetime import datetime

from domain import accounts
from domain.assets import Catalog
from domain.commands import EconomyRules, Grant
from domain.details import AnyDetails, GrantDetails
from domain.errors import check_range
from domain.events import Leg, TransferCode, Transferred
from domain.ledger import Decision, PlayerState, ShardState, player_append, transfer
from domain.transfer_errors import InvalidAmount, UnknownAsset
from domain.treasury import ShardShort, draw


def payout(
    player: PlayerState,
    shard: ShardState,
    amount: int,
    *,
    code: TransferCode,
    transfer_id: str,
    now: datetime,
    details: AnyDetails | None = None,
) -> Transferred:
    """The shard pays the player `amount` of its currency (its budget bounds the debit)."""
    if shard.budget < amount:
        raise ShardShort(shard.index)
    account = accounts.player_account(player.player_id)
    legs = (Leg(shard.account, shard.currency, -amount), Leg(account, shard.currency, amount))
    return transfer(player, legs, code=code, transfer_id=transfer_id, now=now, details=details)


def decide_credit(player: PlayerState, shard: ShardState, paid: Transferred) -> Decision:
    """The payout `paid` on the player's stream, and the shard's budget drawn by as much."""
    [debit] = [leg for leg in paid.legs if leg.account == shard.account]
    drawn = draw(shard, -debit.amount, (paid.transfer_id,), paid.occurred_at)
    return Decision(appends=(player_append(player, paid), drawn))


def check_payout(currency: str, amount: int, rules: EconomyRules, catalog: Catalog | None) -> None:
    """A payout is of a catalog currency (unchecked without a catalog), within TOP_UP_MAX."""
    if catalog is not None and currency not in catalog.currency_codes():
        raise UnknownAsset(
            f"there is no currency '{currency}'",
            asset=currency,
            available=list(catalog.currency_codes()),
        )
    message = f"amount must be an integer from 1 to {rules.top_up_max}"
    check_range(InvalidAmount, message, "amount", amount, rules.top_up_max)


def decide_grant(
    player: PlayerState,
    shard: ShardState,
    cmd: Grant,
    *,
    transfer_id: str,
    rules: EconomyRules,
    catalog: Catalog,
    now: datetime,
) -> Decision:
    """A service's grant: a catalog currency, within TOP_UP_MAX, with its reason recorded."""
    check_payout(cmd.currency, cmd.amount, rules, catalog)
    details = GrantDetails(reason=cmd.reason)
    paid = payout(
        player, shard, cmd.amount, code="grant", transfer_id=transfer_id, now=now, details=details
    )
    return decide_credit(player, shard, paid)
