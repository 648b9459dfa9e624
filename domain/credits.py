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
from domain.errors import InvalidAmount, UnknownAsset
from domain.events import Leg, TransferCode, Transferred
from domain.ledger import Decision, PlayerState, ShardState, player_append, transfer
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


def decide_credit(
    player: PlayerState,
    shard: ShardState,
    amount: int,
    *,
    code: TransferCode,
    transfer_id: str,
    now: datetime,
    details: AnyDetails | None = None,
) -> Decision:
    """The shard pays the player `amount` of its currency in a transfer of `code`."""
    paid = payout(
        player, shard, amount, code=code, transfer_id=transfer_id, now=now, details=details
    )
    return Decision(appends=(player_append(player, paid), draw(shard, amount, (transfer_id,), now)))


def check_payout(currency: str, amount: int, rules: EconomyRules, catalog: Catalog | None) -> None:
    """A payout is of a catalog currency (unchecked without a catalog), within TOP_UP_MAX."""
    if catalog is not None and currency not in catalog.currency_codes():
        raise UnknownAsset(
            f"there is no currency '{currency}'",
            asset=currency,
            available=list(catalog.currency_codes()),
        )
    if not 1 <= amount <= rules.top_up_max:
        raise InvalidAmount(
            f"amount must be an integer from 1 to {rules.top_up_max}",
            amount=amount,
            minimum=1,
            maximum=rules.top_up_max,
        )


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
    return decide_credit(
        player,
        shard,
        cmd.amount,
        code="grant",
        transfer_id=transfer_id,
        now=now,
        details=GrantDetails(reason=cmd.reason),
    )
