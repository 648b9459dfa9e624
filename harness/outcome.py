"""What a scenario found: its figures (counts, durations, recovery times) and its failures."""

import sys
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """Figures in the order they were recorded, and every invariant that did not hold."""

    name: str
    quick: bool
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        """True when every check held."""
        return not self.failures

    def figure(self, name: str, value: Any) -> None:
        """Record a figure (printed at once, so a long run shows its progress)."""
        self.figures[name] = value
        say(f"{self.name}: {name} = {_show(value)}")

    def check(self, holds: bool, message: str) -> bool:
        """Record `message` as a failure unless `holds`; returns `holds`."""
        if not holds:
            self.failures.append(message)
            say(f"{self.name}: FAIL {message}")
        return holds

    def finish(self) -> None:
        """Record the wall time and print the verdict."""
        self.figure("seconds", round(time.monotonic() - self.started, 1))
        verdict = "PASS" if self.ok else f"FAIL ({len(self.failures)} failures)"
        say(f"{self.name}: {verdict}")


def say(message: str) -> None:
    """One line of progress on stdout."""
    print(message, flush=True)
    sys.stdout.flush()


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded for reports."""
    return round(seconds * 1000, 1)
