"""Who holds a wallet: players do; service (game server) and admin accounts do not.

A game server moves money only between players and the treasury (grants, holds, settlements),
and an operator corrects it (reversals); neither holds any. So no command credits or spends a
privileged account's wallet: it receives no gift, trade, payout, referral bonus, top-up, grant or
store credit, and it gives, offers, buys and uses nothing. Reversals still reach it (they are how
an operator moves out a balance it held before its promotion), and an escrow it placed as a
player still returns to it. The audit reports any balance it holds (`privileged_balances`).

Roles live in the credentials table, not in the log: the write side is fed the set of privileged
ids (`Roles`, kept by each process in infra/roles.py) and these rules decide with it.
"""

from collections.abc import Set
from typing import Protocol

from domain.account_errors import NotAPlayer

PRIVILEGED_ROLES = frozenset({"service", "admin"})


class Roles(Protocol):
    """The service and admin accounts, as this process knows them."""

    async def privileged(self) -> Set[str]:
        """Their ids (RolesUnavailable when the process's copy is too old to trust)."""
        ...


class FixedRoles:
    """A set given once: tools and tests (by default nobody is privileged)."""

    def __init__(self, ids: Set[str] = frozenset()) -> None:
        self.ids = frozenset(ids)

    async def privileged(self) -> Set[str]:
        """The ids given."""
        return self.ids


def require_player(privileged: Set[str], account_id: str, name: str | None = None) -> None:
    """NotAPlayer when `account_id` is a service or admin account: `name` is how the caller
    named it (a username, a player id), None when it is the caller's own."""
    if account_id in privileged:
        who = "this account" if name is None else f"'{name}'"
        raise NotAPlayer(
            f"{who} is a service or admin account, not a player: it holds no wallet",
            account=name or account_id,
        )


def require_player_referrer(privileged: Set[str], owner_id: str, code: str) -> None:
    """NotAPlayer when referral code `code` belongs to a service or admin account (its name is
    not told: the caller has no token)."""
    if owner_id in privileged:
        raise NotAPlayer(
            f"the referral code '{code}' belongs to a service or admin account, not a player, "
            "and pays no bonus",
            referralCode=code,
        )
