"""Faults scheduled on progress: the n-th strikes once the load has had so many operations
acknowledged, and the load goes on until every planned fault has happened.

A schedule on the wall clock or a fixed load size breaks on a machine faster or busier than
the one it was tuned on: the load ends before the last fault, and the run fails without any
guarantee being broken. Here only an overall deadline ends a run early, and then the verdict
names the fault that did not happen and the progress it waited for.
"""

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from harness.outcome import Outcome

T = TypeVar("T")


class Progress:
    """Acknowledged operations, counted by the load; waiters wake at their target count."""

    def __init__(self) -> None:
        self.acks = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def ack(self) -> None:
        """One more operation acknowledged."""
        self.acks += 1
        for target, waiter in self._waiters:
            if self.acks >= target and not waiter.done():
                waiter.set_result(None)

    async def reach(self, target: int) -> None:
        """Until `target` operations have been acknowledged."""
        if self.acks >= target:
            return
        entry = (target, asyncio.get_running_loop().create_future())
        self._waiters.append(entry)
        try:
            await entry[1]
        finally:
            self._waiters.remove(entry)


def spread(faults: int, load: int, rng: random.Random) -> list[int]:
    """Acknowledgement counts for `faults` faults spread over a load of `load`, with jitter."""
    step = load // (faults + 1)
    return [step * (n + 1) + rng.randint(0, max(step // 4, 1)) for n in range(faults)]


class Schedule:
    """Faults at acknowledgement counts `at`, a load of at least `minimum`, within `patience` s.

    `what` names one fault ("SIGKILL of the service") and `unit` one operation ("purchases").
    """

    def __init__(self, what: str, unit: str, at: list[int], minimum: int, patience: float) -> None:
        self.what, self.unit, self.at = what, unit, at
        self.minimum = max([minimum, *at])
        self.patience = patience
        self.deadline = time.monotonic() + patience
        self.progress = Progress()
        self.happened = 0
        self.done = False  # every fault happened, or the schedule gave up
        self.missed: str | None = None
        self.acks_at_done = 0

    def ack(self) -> None:
        """The load had one more operation acknowledged."""
        self.progress.ack()

    @property
    def load_wanted(self) -> bool:
        """True while the load must go on: a fault to come, too small a load, or no ack after
        the last fault yet (recovery not shown); False once the deadline has passed."""
        if self.missed is not None or time.monotonic() > self.deadline:
            return False
        acks = self.progress.acks
        return not self.done or acks < self.minimum or acks <= self.acks_at_done

    async def run(self, fault: Callable[[int], Awaitable[T]]) -> list[T]:
        """Inject fault n once `at[n]` operations are acknowledged; the faults' results."""
        results: list[T] = []
        try:
            for number, target in enumerate(self.at):
                if not await self.settle(target):
                    self._miss(number, target)
                    break
                results.append(await fault(number))
                if self.missed is not None:
                    break
                self.happened += 1
        finally:
            self.acks_at_done = self.progress.acks
            self.done = True
        return results

    async def settle(self, target: int) -> bool:
        """Until `target` acknowledgements; False if the deadline comes first."""
        try:
            async with asyncio.timeout_at(self._loop_deadline()):
                await self.progress.reach(target)
        except TimeoutError:
            return False
        return True

    async def more(self, count: int) -> bool:
        """Until `count` more acknowledgements than now (a fault's own wait for recovery).

        False if the deadline comes first: the schedule then stops, naming the stalled fault.
        """
        target = self.progress.acks + count
        if await self.settle(target):
            return True
        self.missed = (
            f"the load stalled during {self.what} number {self.happened + 1}: {count} more"
            f" {self.unit} awaited, {self.progress.acks - target + count} came"
            f" within {self.patience:.0f} s"
        )
        return False

    def judge(self, outcome: Outcome) -> None:
        """The schedule's verdicts: every fault happened, and the load went on after the last."""
        outcome.figure(self.what, f"{self.happened} of {len(self.at)}")
        if self.missed is not None:
            outcome.check(False, self.missed)
            return
        after = self.progress.acks - self.acks_at_done
        outcome.check(
            after > 0 or not self.at,
            f"no {self.unit} acknowledged after the last {self.what} within {self.patience:.0f} s",
        )

    def _miss(self, number: int, target: int) -> None:
        self.missed = (
            f"{number} of {len(self.at)} {self.what} happened within {self.patience:.0f} s:"
            f" number {number + 1} waited for {target} {self.unit} acknowledged,"
            f" {self.progress.acks} were"
        )

    def _loop_deadline(self) -> float:
        loop = asyncio.get_running_loop()
        return loop.time() + max(self.deadline - time.monotonic(), 0.0)
