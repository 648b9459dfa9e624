"""Freezes (DESIGN-NOTES note 16): what an operator stops, and which writes a freeze refuses.

A freeze names an asset, a player or an operation. An operation is the family of transfer
codes a player or a game server causes (`hold` covers `hold_capture`, `trade` covers
`trade_accept`), derived from `TransferCode` so a new code is freezable the day it exists.
A write is refused when its decision would move a frozen asset, write a frozen player's stream
or move their account, or record a transfer of a frozen operation. Decide functions are pure,
so refusing on the decision before anything is written is refusing before the job has any
effect; the acting player is refused before deciding too, so a frozen player hears `frozen`
rather than, say, `insufficient-funds`.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, get_args

import msgspec

from domain import accounts
from domain.errors import DomainError
from domain.events import TransferCode, Transferred
from domain.freeze_events import FreezeScope as Scope
from domain.ledger import Decision

SCOPES: tuple[str, ...] = get_args(Scope)

# The escrow stream kinds whose lifecycle codes (`hold_capture`, `trade_accept`) form one
# operation each, and the one code the issue names otherwise.
_FAMILIES = frozenset(p.rstrip(":") for p in (accounts.HOLD_PREFIX, accounts.TRADE_PREFIX))
_RENAMED = {"item_use": "use"}
# Codes only operators or the system cause: their corrections are never refused.
CORRECTION_CODES = frozenset({"genesis", "sweep", "reversal", "store_refund", "expiry"})


def operation(code: str) -> str:
    """The operation a transfer code belongs to (`hold_capture` → `hold`)."""
    family = code.partition("_")[0]
    return family if family in _FAMILIES else _RENAMED.get(code, code)


OPERATIONS: tuple[str, ...] = tuple(
    sorted({operation(code) for code in get_args(TransferCode)} - CORRECTION_CODES)
)


class ActiveFreeze(msgspec.Struct, frozen=True, kw_only=True):
    """A freeze in force; `player_id` is the frozen player's (scope `player` only)."""

    freeze_id: str
    scope: Scope
    target: str
    reason: str
    created_at: datetime
    created_by: str
    player_id: str | None = None


class FrozenError(DomainError):
    slug = "frozen"
    title = "Frozen by an operator"
    category = "locked"


class FreezeIndex:
    """The freezes in force, looked up by what they stop (one process's followed copy)."""

    def __init__(self, active: Iterable[ActiveFreeze] = ()) -> None:
        self.active = tuple(active)
        self._by: dict[tuple[str, str], ActiveFreeze] = {}
        for freeze in self.active:
            key = freeze.player_id if freeze.scope == "player" else freeze.target
            self._by.setdefault((freeze.scope, key or freeze.target), freeze)

    def __bool__(self) -> bool:
        return bool(self.active)

    def of(self, scope: Scope, key: str) -> ActiveFreeze | None:
        """The freeze of `key` (a player id for `player`), if any."""
        return self._by.get((scope, key))

    def of_stream(self, stream: str) -> ActiveFreeze | None:
        """The freeze of the player whose stream (or account) this is, if any."""
        if not accounts.is_player(stream):
            return None
        return self.of("player", accounts.player_id_of(stream))


NO_FREEZES = FreezeIndex()


def refusal(freeze: ActiveFreeze) -> FrozenError:
    """The 423 a write gets for touching what `freeze` stops, naming it and its reason."""
    what = {"asset": "the asset", "player": "the player", "operation": "the operation"}
    context: dict[str, Any] = {
        "freezeId": freeze.freeze_id,
        "reason": freeze.reason,
        "scope": freeze.scope,
        "target": freeze.target,
    }
    return FrozenError(
        f"{what[freeze.scope]} {freeze.target} is frozen by an operator: {freeze.reason}",
        **context,
    )


def blocking(index: FreezeIndex, decision: Decision) -> ActiveFreeze | None:
    """The freeze that stops `decision`, if one does: a frozen player's stream written or
    account moved (paying them too), a frozen asset moved, a frozen operation recorded."""
    for append in decision.appends:
        if found := index.of_stream(append.stream):
            return found
        for event in append.events:
            if isinstance(event, Transferred) and (found := _of_transfer(index, event)):
                return found
    return None


def _of_transfer(index: FreezeIndex, event: Transferred) -> ActiveFreeze | None:
    if found := index.of("operation", operation(event.code)):
        return found
    for leg in event.legs:
        if found := index.of("asset", leg.asset) or index.of_stream(leg.account):
            return found
    return None
