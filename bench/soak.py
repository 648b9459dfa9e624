"""Memory soak: a mixed load kept on the service while every worker's RSS is sampled.

After a short warm-up (imports, caches and pools fill up once), RSS is sampled per worker at
the start of the soak, at regular intervals under load, and at the end; growth is end minus
start for the same worker. Top-ups of 10 diamonds balance purchases of a 10-diamond coin, so
wallets neither run dry nor overflow however long the soak lasts.
"""

import threading
import time

from bench import load, servers, workload
from bench.extra import worker_rss
from bench.stats import Measure

MIXED: list[load.Call] = [
    ("POST", "/purchase", '{"item":"gold_coin"}'),
    ("POST", "/top-up", '{"amount":10}'),
    ("GET", "/balance", None),
]
Sample = tuple[float, dict[int, float]]


class Sampler(threading.Thread):
    """Samples the workers' RSS every `interval` seconds until stopped."""

    def __init__(self, root_pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.root_pid, self.interval = root_pid, interval
        self.samples: list[Sample] = []
        self.done = threading.Event()
        self.began = time.monotonic()

    def run(self) -> None:
        """Take a sample now, then every interval, and one last when stopped."""
        while True:
            self.samples.append((time.monotonic() - self.began, worker_rss(self.root_pid)))
            if self.done.wait(self.interval):
                self.samples.append((time.monotonic() - self.began, worker_rss(self.root_pid)))
                return


def _mb_row(name: str, sizes: dict[int, float], note: str) -> Measure:
    listed = ", ".join(f"{size:.0f}" for size in sizes.values())
    return Measure(
        name=name,
        per_second=max(sizes.values(), default=0.0),
        p50_ms=0,
        p95_ms=0,
        p99_ms=0,
        count=len(sizes),
        note=f"MB per worker: {listed}{note}",
    )


def growth_rows(samples: list[Sample], after: dict[int, float]) -> list[Measure]:
    """Start, end and growth rows from the samples (workers matched by pid)."""
    (_, start), (_, end) = samples[0], samples[-1]
    growth = {pid: end[pid] - start[pid] for pid in start if pid in end}
    peak = max(max(sizes.values(), default=0.0) for _, sizes in samples)
    replaced = "" if set(start) == set(end) else "; a worker was replaced during the soak"
    listed = ", ".join(f"{g:+.1f}" for g in growth.values())
    return [
        _mb_row("RSS per worker, soak start (MB)", start, ""),
        _mb_row("RSS per worker, soak end (MB)", end, f"; peak {peak:.0f}"),
        Measure(
            name="RSS growth over soak (MB)",
            per_second=max(growth.values(), default=0.0),
            p50_ms=0,
            p95_ms=0,
            p99_ms=0,
            count=len(samples),
            note=f"end - start per worker: {listed} MB{replaced}; idle after: "
            + ", ".join(f"{size:.0f}" for size in after.values()),
        ),
    ]


def soak(
    env: dict[str, str], names: list[str], *, workers: int, connections: int, seconds: float
) -> tuple[list[Measure], list[Sample]]:
    """Mixed load for `seconds` on a fresh service; the rows and the RSS samples."""
    with servers.serving("api.http.app:create_app", env, workers=workers, ready_path="/health") as (
        base,
        pid,
    ):
        script = load.lua_mixed(MIXED, workload.login_all(base, names))
        warmup = min(10.0, max(1.0, seconds / 10))
        load.run_wrk(base + "/", script, connections=connections, seconds=warmup, name="warm-up")
        sampler = Sampler(pid, interval=max(1.0, seconds / 20))
        sampler.start()
        try:
            row = load.run_wrk(
                base + "/",
                script,
                connections=connections,
                seconds=seconds,
                name=f"soak: purchase/top-up/balance ({connections} conn)",
            )
        finally:
            sampler.done.set()
            sampler.join()
        row.note = f"{seconds:.0f} s after a {warmup:.0f} s warm-up; {row.note}"
        time.sleep(1)
        return [row, *growth_rows(sampler.samples, worker_rss(pid))], sampler.samples
