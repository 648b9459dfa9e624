"""Throughput and latency percentiles of one measurement."""

import msgspec


class Measure(msgspec.Struct, kw_only=True):
    """One row of the benchmark table."""

    name: str
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    count: int
    errors: int = 0
    note: str = ""


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(q / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def summarise(
    name: str, latencies: list[float], elapsed: float, errors: int = 0, note: str = ""
) -> Measure:
    """A Measure from per-operation latencies (seconds) over `elapsed` seconds."""
    values = sorted(latencies)
    return Measure(
        name=name,
        per_second=len(values) / elapsed if elapsed else 0.0,
        p50_ms=percentile(values, 50) * 1000,
        p95_ms=percentile(values, 95) * 1000,
        p99_ms=percentile(values, 99) * 1000,
        count=len(values),
        errors=errors,
        note=note,
    )
