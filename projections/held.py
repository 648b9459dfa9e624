"""Which projections a running process steps: those whose roles it holds (asking for the
others every `standby` seconds), less those resting, backing off, after a failure. The runner
(projections/runner.py) keeps one and tells it how each batch went."""

import time
from collections.abc import Iterable, Sequence

from projections.leadership import Leadership
from projections.loops import backoff
from projections.model import Projection


class Held:
    """The projections this process is active for, and the ones resting after a failure."""

    def __init__(self, projections: Sequence[Projection], leader: Leadership, standby: float):
        self.projections, self.leader, self.standby = projections, leader, standby
        self.failures: dict[str, int] = {}
        self.resting: dict[str, float] = {}  # name -> monotonic time it may run again
        self.asked = 0.0  # when the roles not held were last asked for

    async def now(self) -> list[Projection]:
        """The projections to step now: held (asking for the others every `standby` seconds)
        and not resting."""
        clock = time.monotonic()
        if clock - self.asked >= self.standby or not self.leader.held:
            self.asked = clock
            for projection in self.projections:
                await self.leader.holds(projection.name)
        return [
            p
            for p in self.projections
            if p.name in self.leader.held and self.resting.get(p.name, 0.0) <= clock
        ]

    def failed(self, name: str) -> float:
        """Count a failure of `name`; the seconds it rests."""
        self.failures[name] = self.failures.get(name, 0) + 1
        pause = backoff(self.failures[name], 5.0)
        self.resting[name] = time.monotonic() + pause
        return pause

    def until_ready(self) -> float:
        """Seconds until the first resting projection may run again (at most `standby`)."""
        soonest = min(self.resting.values(), default=time.monotonic() + self.standby)
        return min(self.standby, max(0.005, soonest - time.monotonic()))

    def succeeded(self, names: Iterable[str]) -> None:
        """`names` stepped: their failures are forgotten."""
        for name in names:
            self.failures.pop(name, None)
            self.resting.pop(name, None)
