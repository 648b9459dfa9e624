"""What commands return to their callers (and what a retried key returns again)."""

from datetime import datetime
from typing import Any, TypeVar

import msgspec

from domain import accounts
from domain.events import Transferred
from domain.holds import HoldState
from domain.ledger import Append, Decision
from domain.trades import TradeState

R = TypeVar("R", bound=msgspec.Struct)


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class TransferResult(msgspec.Struct, gc=False, frozen=True, kw_only=True):
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


class HoldResult(msgspec.Struct, frozen=True, kw_only=True):
    """A hold as a command leaves it (and as GET /holds/{id} shows it)."""

    hold_id: str
    status: str
    player: str
    asset: str
    amount: int
    expires_at: datetime
    transfer_id: str
    captured: int | None = None
    memo: str | None = None


def hold_result(state: HoldState, transfer_id: str | None = None) -> HoldResult:
    """What a caller sees of a hold."""
    terms = state.placed
    return _shown(
        HoldResult,
        terms,
        status=state.status,
        player=terms.username,
        transfer_id=transfer_id or terms.transfer_id,
        captured=state.captured,
    )


class TradeResult(msgspec.Struct, frozen=True, kw_only=True):
    """A trade as a command leaves it (and as GET /trades shows it)."""

    trade_id: str
    status: str
    offerer: str  # usernames
    recipient: str
    give: dict[str, int]
    want: dict[str, int]
    expires_at: datetime
    transfer_id: str
    offerer_id: str
    recipient_id: str


def trade_result(state: TradeState, transfer_id: str | None = None) -> TradeResult:
    """What a caller sees of a trade."""
    terms = state.offered
    return _shown(
        TradeResult, terms, status=state.status, transfer_id=transfer_id or terms.transfer_id
    )


def _shown(result_type: type[R], terms: msgspec.Struct, **changed: Any) -> R:
    """What a caller sees of an escrow: its terms' fields of the result's names, but `changed`."""
    kept = {f: getattr(terms, f) for f in result_type.__struct_fields__ if f not in changed}
    return result_type(**kept, **changed)
