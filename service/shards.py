"""Treasury shards: which one a command starts from, and the fallback to the next ones."""

import contextlib
import random
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from domain import accounts
from domain.assets import CURRENCY
from domain.ledger import Decision, ShardState
from domain.state import shard_state
from domain.transfer_errors import TreasuryDepleted
from domain.treasury import ShardShort, shard_order
from service.job import Heads


class Home:
    """This process's share of every treasury's shards: it is writer `rank` of `of` live API
    processes (infra/shard_slots.py keeps that current), so its home shards are those whose
    index is `rank` modulo `of`. One of one (tools, tests, a lone process): every shard."""

    def __init__(self) -> None:
        self.rank, self.of = 0, 1

    def set(self, rank: int, of: int) -> None:
        """Writer `rank` (from 0) of `of`."""
        self.rank, self.of = (rank, of) if 0 <= rank < of else (0, 1)


# The shard each picker has handed out in the group being planned (`one_shard_per_group`).
_GROUP: ContextVar["dict[ShardPicker, int] | None"] = ContextVar("shard_group", default=None)


@contextlib.contextmanager
def one_shard_per_group() -> Iterator[None]:
    """Within the block, a picker hands every top-up the same shard: the jobs of one group
    commit write that shard's next versions in order, where each on a shard of its own would
    race with other groups' (a lost race writes the loser's whole group again)."""
    token = _GROUP.set({})
    try:
        yield
    finally:
        _GROUP.reset(token)


class ShardPicker:
    """Which treasury shard a top-up starts from: one this process is not already drawing on.

    Two top-ups on one shard in different transactions race for its next version, and the
    loser's whole group is written again. So a group's top-ups share one shard (in one group
    they cannot race: `one_shard_per_group`), each group takes a shard no other group of this
    process is drawing on (the least busy, at random among equals), and each process prefers
    its home shards (`Home`), so that two processes rarely meet on one: with two workers, 4% of
    top-ups were retried when every top-up took its own shard anywhere (issue 22).
    """

    def __init__(self, count: int, home: Home | None = None) -> None:
        self._in_flight = [0] * count
        self.home = home or Home()

    @property
    def count(self) -> int:
        """How many shards there are to pick from."""
        return len(self._in_flight)

    def take(self) -> int:
        """The group's shard, else a least-busy one, home first; busy until `release`."""
        group = _GROUP.get()
        index = group.get(self) if group is not None else None
        if index is None:
            index = self._least_busy()
            if group is not None:
                group[self] = index
        self._in_flight[index] += 1
        return index

    def _least_busy(self) -> int:
        flight, home = self._in_flight, self.home
        pool: range = range(len(flight))
        if home.of > 1:
            mine = range(home.rank, len(flight), home.of)
            if mine and min(flight[i] for i in mine) == 0:
                pool = mine
        fewest = min(flight[i] for i in pool)
        return random.choice([i for i in pool if flight[i] == fewest])

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
