"""A one-line progress bar with rate and ETA, drawn only on a terminal."""

import sys
import time
from typing import TextIO

_WIDTH = 28
_EVERY = 0.1  # seconds between redraws: a fast rebuild must not be slowed by its own bar


class Progress:
    """Counts done out of an estimated total; redraws in place on a TTY, silent otherwise."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0

    @property
    def rate(self) -> float:
        """Items per second so far."""
        return self.done / max(time.monotonic() - self.started, 1e-9)

    def advance(self, count: int) -> None:
        """Note `count` more items done."""
        self.done += count
        now = time.monotonic()
        if self.enabled and now - self._drawn >= _EVERY:
            self._drawn = now
            self._draw()

    def finish(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def line(self) -> str:
        """The bar as text."""
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * _WIDTH)
        rate = self.rate
        eta = max(self.total - self.done, 0) / rate if rate > 0 else 0.0
        return (
            f"{self.label:<10} [{bar:<{_WIDTH}}] {share:4.0%} {self.done:,}/{self.total:,} "
            f"{rate:,.0f} ev/s ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        )

    def _draw(self) -> None:
        self.stream.write("\r" + self.line())
        self.stream.flush()
