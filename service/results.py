"""What commands return to their callers (and what a retried key returns again)."""

import msgspec

from domain import accounts
from domain.events import Transferred
from domain.ledger import Append, Decision


class TransferResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a money command returns."""

    transfer_id: str
    player_id: str
    version: int
    balances: dict[str, int]


class SignUpResult(msgspec.Struct, frozen=True, kw_only=True):
    """A new player's ids and state right after signup."""

    player_id: str
    username: str
    referral_code: str
    version: int
    balances: dict[str, int]


def player_append(decision: Decision, player_id: str) -> Append:
    """The decision's append to the player's own stream."""
    stream = accounts.player_account(player_id)
    return next(a for a in decision.appends if a.stream == stream)


def balances_after(append: Append) -> dict[str, int]:
    """The balances the append's last event leaves (none before a first transfer)."""
    last = append.events[-1]
    return dict(last.state_after) if isinstance(last, Transferred) else {}


def transfer_result(decision: Decision, transfer_id: str, player_id: str) -> TransferResult:
    """A money command's result: the player's stream version and balances after it."""
    mine = player_append(decision, player_id)
    return TransferResult(
        transfer_id=transfer_id,
        player_id=player_id,
        version=mine.expected + len(mine.events),
        balances=balances_after(mine),
    )
