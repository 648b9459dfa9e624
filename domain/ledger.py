"""Double-entry arithmetic over legs: balancing, applying, and the state a stream carries."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import msgspec

from domain import accounts
from domain.assets import CURRENCY, MAX_AMOUNT
from domain.details import AnyDetails
from domain.event_base import Event
from domain.events import Leg, TransferCode, Transferred
from domain.timed import NO_TIMED, TimedState
from domain.transfer_errors import AmountOverflow

NO_STREAM = 0


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class Append(msgspec.Struct, gc=False, frozen=True, kw_only=True):
    """Events for one stream, written only if the stream is still at `expected` version."""

    stream: str
    expected: int
    events: tuple[Event, ...]


class Decision(msgspec.Struct, gc=False, frozen=True, kw_only=True):
    """Everything one command writes, in one database transaction."""

    appends: tuple[Append, ...]


class PlayerState(msgspec.Struct, gc=False, frozen=True, kw_only=True):
    """What a command needs of a player: the stream version and balances per asset."""

    player_id: str
    version: int
    balances: dict[str, int]
    timed: TimedState = NO_TIMED  # energies, lots and offer counters (domain/timed.py)

    def balance(self, asset: str) -> int:
        """The player's balance of `asset` (zero when never held)."""
        return self.balances.get(asset, 0)


class ShardState(msgspec.Struct, frozen=True, kw_only=True):
    """A treasury shard of a currency: its stream version and spendable budget."""

    index: int
    version: int
    budget: int
    currency: str = CURRENCY

    @property
    def account(self) -> str:
        """The shard's account (and stream)."""
        return accounts.shard_account(self.index, self.currency)


def imbalances(legs: Iterable[Leg]) -> dict[str, int]:
    """Per-asset sums of the legs that are not zero (an empty dict means balanced)."""
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        totals[leg.asset] += leg.amount
    return {asset: total for asset, total in totals.items() if total != 0}


def apply_legs(balances: dict[str, int], legs: Iterable[Leg], account: str) -> dict[str, int]:
    """The balances of `account` after `legs`, refusing any that would overflow a bigint."""
    after = dict(balances)
    for leg in legs:
        if leg.account != account:
            continue
        value = after.get(leg.asset, 0) + leg.amount
        if value > MAX_AMOUNT:
            raise AmountOverflow(
                f"the {leg.asset} balance would exceed {MAX_AMOUNT}", asset=leg.asset
            )
        after[leg.asset] = value
    return after


def transfer(
    player: PlayerState,
    legs: Iterable[Leg],
    *,
    code: TransferCode,
    transfer_id: str,
    now: datetime,
    details: AnyDetails | None = None,
    mirror: bool = False,
    timed: TimedState | None = None,
) -> Transferred:
    """A transfer as the player's stream records it: with the balances its legs leave them.

    `timed` is the player's time-based state after it; None carries the player's forward.
    """
    legs = tuple(legs)
    account = accounts.player_account(player.player_id)
    after = player.timed if timed is None else timed
    return Transferred(
        transfer_id=transfer_id,
        code=code,
        legs=legs,
        state_after=apply_legs(player.balances, legs, account),
        occurred_at=now,
        mirror=mirror,
        details=details,
        timed=None if after.empty() else after,
    )


def player_append(player: PlayerState, *events: Event) -> Append:
    """Events for the player's own stream, written only if it is still at the version read."""
    stream = accounts.player_account(player.player_id)
    return Append(stream=stream, expected=player.version, events=events)
