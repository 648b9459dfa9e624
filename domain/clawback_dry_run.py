"""A clawback's dry run: what its steps would take back and leave as debt, played on the
players' wallets now with the same arithmetic as the steps (domain/clawback.py)."""

from collections.abc import Mapping, Sequence

import msgspec

from domain import accounts
from domain.clawback import check_reversible, reversed_legs, take_back
from domain.events import Transferred
from domain.transfer_errors import NotReversible


class Effect(msgspec.Struct, frozen=True, kw_only=True):
    """What a clawback takes from one player in one asset (`reverse`, negative when it gives
    back, as a purchase's price) and how much of it becomes debt."""

    player: str
    asset: str
    reverse: int
    debt: int


def effects(
    balances: Mapping[str, Mapping[str, int]],
    targets: Sequence[tuple[str, Transferred]],
    names: Mapping[str, str],
) -> list[Effect]:
    """The dry run: per player and asset, what the steps would take back and leave as debt,
    played in the runner's order on the players' balances now (refused steps leave nothing)."""
    wallets = {player: dict(b) for player, b in balances.items()}
    totals: dict[tuple[str, str], tuple[int, int]] = {}

    def add(player_id: str, asset: str, taken: int, owed: int) -> None:
        before = totals.get((player_id, asset), (0, 0))
        totals[(player_id, asset)] = (before[0] + taken, before[1] + owed)

    for player_id, original in targets:
        try:
            check_reversible(original)
        except NotReversible:
            continue
        account = accounts.player_account(player_id)
        wallet = wallets.setdefault(player_id, {})
        legs, short = take_back(wallet, reversed_legs(original, accounts.INFLOW), account)
        for g in legs:
            if g.account == account:
                wallet[g.asset] = wallet.get(g.asset, 0) + g.amount
                add(player_id, g.asset, -g.amount, 0)
        for asset, owed in short.items():
            add(player_id, asset, owed, owed)
    return [
        Effect(player=names.get(p, p), asset=a, reverse=taken, debt=owed)
        for (p, a), (taken, owed) in totals.items()
    ]
