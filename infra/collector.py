"""The cyclic garbage collector's settings for a long-running process (issue 22).

The hot paths make no reference cycles (tests/unit/test_reference_cycles.py): what a request
allocates is freed by reference counting once it is answered, and the values it passes around
(events, commands, answers) are not tracked by the collector at all (`gc=False`). CPython's
default still starts a young collection whenever 700 more tracked objects are alive than
before, which 64 requests in flight pass every few milliseconds: each collection walked the
live requests' objects and promoted them, and full collections of the promoted ones paused a
worker 10-40 ms. Measured under purchases at 64 connections, per worker over 22 s: 1.2-1.3 s in
the collector before, 0.02-0.07 s with the cycles gone and young collections every 20,000
objects (docs/performance.md, session 11).
"""

import gc

YOUNG = 20_000  # tracked objects allocated (net) before a young collection; CPython's is 700


def settle() -> None:
    """Once start-up is done: what it made is frozen out of the collector's way (a full
    collection walks only what came after), and young collections wait for `YOUNG` objects."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
