"""Treasury shards: which one a command starts from, and the fallback to the next ones."""

import random
from collections.abc import Callable
from typing import Any

from domain import accounts
from domain.assets import CURRENCY
from domain.errors import TreasuryDepleted
from domain.ledger import Decision, ShardState
from domain.state import shard_state
from domain.treasury import ShardShort, shard_order
from service.job import Heads


class ShardPicker:
    """Which treasury shard a top-up starts from: one this process is not already drawing on.

    Two top-ups on one shard race for its next version and one retries. Among the shards with
    the fewest of this process's top-ups in flight, one is picked at random: a process's own
    top-ups then never collide while it has fewer in flight than there are shards, and
    processes collide with each other only by chance.
    """

    def __init__(self, count: int) -> None:
        self._in_flight = [0] * count

    @property
    def count(self) -> int:
        """How many shards there are to pick from."""
        return len(self._in_flight)

    def take(self) -> int:
        """A least-busy shard, marked busy until `release`."""
        fewest = min(self._in_flight)
        index = random.choice([i for i, n in enumerate(self._in_flight) if n == fewest])
        self._in_flight[index] += 1
        return index

    def release(self, index: int) -> None:
        """The top-up that took `index` has finished."""
        self._in_flight[index] -= 1


def random_start(count: int) -> int:
    """A shard to start from for a command that is not drawing on shards often."""
    return random.randrange(count)


async def from_shards(
    heads: Heads,
    start: int,
    count: int,
    decide: Callable[[ShardState], Decision],
    refusal: str,
    *,
    currency: str = CURRENCY,
    **context: Any,
) -> Decision:
    """The first decision a shard can fund, trying each from `start`; else TreasuryDepleted.

    A shard too short sends the command to the next one: the treasury is depleted only when
    none can pay.
    """
    for index in shard_order(start, count):
        stream = accounts.shard_account(index, currency)
        shard = shard_state(index, await heads.latest(stream), currency)
        try:
            return decide(shard)
        except ShardShort:
            continue
    if currency != CURRENCY:
        context["currency"] = currency
    raise TreasuryDepleted(refusal, **context)
