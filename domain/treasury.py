"""The escrowed treasury: shard budgets, genesis and the sweeper's refills.

Debits from the treasury are bounded by one shard's budget (its own stream, version-checked),
so top-ups contend only within a shard. Credits go to the inflow account, which no command
checks or locks; the single sweeper moves folded inflow back into shards.
"""

from datetime import datetime

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import EconomyRules
from domain.events import Leg, TrancheChanged, Transferred
from domain.ledger import NO_STREAM, Append, Decision, ShardState


class ShardShort(Exception):
    """Internal signal: this shard cannot fund the debit; the handler tries the next one."""

    def __init__(self, index: int) -> None:
        super().__init__(f"treasury shard {index} is short")
        self.index = index


class SweeperState:
    """The treasury stream's version and the inflow the sweeper has already moved."""

    __slots__ = ("swept", "version")

    def __init__(self, version: int, swept: int) -> None:
        self.version = version
        self.swept = swept


def draw(shard: ShardState, amount: int, transfer_ids: tuple[str, ...], now: datetime) -> Append:
    """Take `amount` out of a shard's budget, one tranche event per transfer."""
    if shard.budget < amount:
        raise ShardShort(shard.index)
    share = amount // len(transfer_ids)
    events = []
    budget = shard.budget
    for transfer_id in transfer_ids:
        budget -= share
        events.append(
            TrancheChanged(
                transfer_id=transfer_id, delta=-share, budget_after=budget, occurred_at=now
            )
        )
    return Append(stream=shard.account, expected=shard.version, events=tuple(events))


def shard_order(start: int, count: int) -> list[int]:
    """Shards to try, from a (random) start then the next ones round the ring."""
    return [(start + offset) % count for offset in range(count)]


def decide_genesis(
    rules: EconomyRules,
    *,
    transfer_id: str,
    now: datetime,
    currency: str = CURRENCY,
    supply: int | None = None,
) -> Decision:
    """Mint a currency's supply (GENESIS_SUPPLY unless given) and split it over its shards."""
    supply = rules.genesis_supply if supply is None else supply
    share, rest = divmod(supply, rules.shard_count)
    amounts = [share + (rest if index == 0 else 0) for index in range(rules.shard_count)]
    legs = (
        Leg(accounts.issuer_account(currency), currency, -supply),
        *(Leg(accounts.shard_account(i, currency), currency, a) for i, a in enumerate(amounts)),
    )
    genesis = Transferred(
        transfer_id=transfer_id,
        code="genesis",
        legs=legs,
        state_after={"swept": 0},
        occurred_at=now,
    )
    stream = accounts.treasury_stream(currency)
    appends = [Append(stream=stream, expected=NO_STREAM, events=(genesis,))]
    appends += [
        Append(
            stream=accounts.shard_account(i, currency),
            expected=NO_STREAM,
            events=(
                TrancheChanged(transfer_id=transfer_id, delta=a, budget_after=a, occurred_at=now),
            ),
        )
        for i, a in enumerate(amounts)
    ]
    return Decision(appends=tuple(appends))


def decide_sweep(
    sweeper: SweeperState,
    inflow_credited: int,
    shards: list[ShardState],
    *,
    transfer_id: str,
    now: datetime,
    currency: str = CURRENCY,
) -> Decision | None:
    """Move what inflow has received (as folded so far) minus what was swept to the lowest shard.

    `inflow_credited` comes from the lagging projection, `sweeper.swept` from the sweeper's own
    stream: the difference never exceeds inflow's true balance, so a sweep cannot overdraw it.
    """
    available = inflow_credited - sweeper.swept
    if available <= 0 or not shards:
        return None
    target = min(shards, key=lambda s: (s.budget, s.index))
    legs = (
        Leg(accounts.INFLOW, currency, -available),
        Leg(target.account, currency, available),
    )
    sweep = Transferred(
        transfer_id=transfer_id,
        code="sweep",
        legs=legs,
        state_after={"swept": sweeper.swept + available},
        occurred_at=now,
    )
    tranche = TrancheChanged(
        transfer_id=transfer_id,
        delta=available,
        budget_after=target.budget + available,
        occurred_at=now,
    )
    return Decision(
        appends=(
            Append(
                stream=accounts.treasury_stream(currency),
                expected=sweeper.version,
                events=(sweep,),
            ),
            Append(stream=target.account, expected=target.version, events=(tranche,)),
        )
    )
