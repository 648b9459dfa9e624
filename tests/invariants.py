"""The ledger's invariants, stated once for the unit, property and integration tests."""

from collections import defaultdict
from collections.abc import Iterable

from domain import accounts
from domain.assets import CURRENCY
from domain.events import Transferred
from domain.ledger import imbalances

Balances = dict[tuple[str, str], int]


def fold(transfers: Iterable[Transferred]) -> Balances:
    """Every (account, asset) balance the transfers add up to."""
    balances: Balances = defaultdict(int)
    for transfer in transfers:
        if transfer.mirror:  # its legs are posted by the transfer's first copy
            continue
        for leg in transfer.legs:
            balances[leg.account, leg.asset] += leg.amount
    return dict(balances)


def violations(transfers: list[Transferred], genesis_supply: int) -> list[str]:
    """What is wrong with a ledger made of `transfers` (empty when every invariant holds)."""
    found = [
        f"transfer {t.transfer_id} does not balance: {imbalances(t.legs)}"
        for t in transfers
        if imbalances(t.legs)
    ]
    balances = fold(transfers)
    per_asset: dict[str, int] = defaultdict(int)
    for (account, asset), amount in balances.items():
        per_asset[asset] += amount
        if amount < 0 and not accounts.is_issuer(account):
            found.append(f"{account} holds {amount} {asset}")
    found += [f"{asset} sums to {total}" for asset, total in per_asset.items() if total]
    issued = -balances.get((accounts.issuer_account(CURRENCY), CURRENCY), 0)
    if transfers and issued != genesis_supply:
        found.append(f"{issued} {CURRENCY} issued, genesis was {genesis_supply}")
    return found
