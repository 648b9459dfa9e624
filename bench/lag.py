"""Projection lag under steady load: commit to visible in the read models, at a fixed rate.

An open-loop generator starts purchases at `rate` per second whatever the latency (a closed
loop would slow down with the system and hide the lag). Commands go through LedgerService in
this process with the service's own NOTIFY waker; the projectors run in their own process
(`gameledger project`). A watcher polls the read models every few milliseconds for the players
with a command in flight and records, per command, the time from its commit being acknowledged
to the writer until the version it wrote is visible.
"""

import asyncio
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from bench import servers
from bench.stats import Measure, percentile, summarise
from domain.commands import Purchase
from domain.errors import DomainError
from infra.config import Settings
from infra.db import create_pool
from infra.waker import Waker
from projections import cursor
from service.bootstrap import bootstrap
from service.ledger import LedgerService

POLL = 0.005  # the watcher's period: each lag is overstated by at most this much
MODELS = ("players", "history")
_VISIBLE = """
SELECT p.player_id, p.version AS players,
       (SELECT max(h.version) FROM rm_history h WHERE h.player_id = p.player_id) AS history
  FROM rm_players p WHERE p.player_id = ANY($1::text[])
"""
# The projectors read only below the cluster-wide transaction horizon: a write transaction left
# open in another database on the same server (a test suite, say) holds every projector back.
_OTHERS = """
SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0)::float8
  FROM pg_stat_activity
 WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
"""


@contextmanager
def projector_process(dsn: str) -> Iterator[int]:
    """`gameledger project` in its own process; its pid. SIGTERM on exit."""
    env = {**os.environ, "DATABASE_URL": dsn, "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "cli.main", "project"], env=env)
    try:
        yield process.pid
    finally:
        servers.stop(process)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def caught_up(conn: asyncpg.Connection, within: float) -> None:
    """Wait until the watched projectors have applied everything committed so far."""
    target = await cursor.head(conn)
    deadline = time.monotonic() + within
    for name in MODELS:
        while await cursor.behind(conn, name, target):
            if time.monotonic() > deadline:
                raise RuntimeError(f"projector {name} did not catch up within {within:.0f} s")
            await asyncio.sleep(0.1)


class Watcher:
    """Matches each acknowledged write with the poll that first sees it in each read model."""

    def __init__(self) -> None:
        self.pending: dict[str, dict[str, list[tuple[int, float]]]] = {m: {} for m in MODELS}
        self.lags: dict[str, list[float]] = {m: [] for m in MODELS}
        self.others: list[float] = []  # age (s) of the oldest write transaction elsewhere
        self.polls = 0

    def expect(self, player_id: str, version: int, acked: float) -> None:
        """A write of `version` to the player's stream was acknowledged at `acked`."""
        for model in MODELS:
            self.pending[model].setdefault(player_id, []).append((version, acked))

    def waiting(self) -> int:
        """Writes not yet seen in every read model."""
        return sum(len(v) for by_player in self.pending.values() for v in by_player.values())

    async def poll(self, conn: asyncpg.Connection) -> None:
        """One look at the read models for every player with a write in flight."""
        self.polls += 1
        if self.polls % 10 == 1:
            self.others.append(await conn.fetchval(_OTHERS))
        players = sorted({p for by_player in self.pending.values() for p in by_player})
        if not players:
            return
        rows = await conn.fetch(_VISIBLE, players)
        seen = time.perf_counter()
        for row in rows:
            for model in MODELS:
                self._resolve(model, row["player_id"], row[model] or 0, seen)

    def _resolve(self, model: str, player_id: str, visible: int, seen: float) -> None:
        waiting = self.pending[model].get(player_id)
        if not waiting:
            return
        # The ack may reach the writer after a poll already saw its commit: count that as 0.
        self.lags[model] += [max(0.0, seen - at) for v, at in waiting if v <= visible]
        rest = [(v, at) for v, at in waiting if v > visible]
        if rest:
            self.pending[model][player_id] = rest
        else:
            del self.pending[model][player_id]

    async def run(self, conn: asyncpg.Connection, stop: asyncio.Event, drain: float) -> None:
        """Poll until `stop`, then until nothing is in flight or `drain` seconds passed."""
        deadline: float | None = None
        while True:
            await self.poll(conn)
            if stop.is_set():
                deadline = deadline or time.monotonic() + drain
                if not self.waiting() or time.monotonic() > deadline:
                    return
            await asyncio.sleep(POLL)


class OpenLoop:
    """Starts purchases on a fixed schedule, at most `cap` in flight."""

    def __init__(self, ledger: LedgerService, ids: list[str], watcher: Watcher) -> None:
        self.ledger, self.ids, self.watcher = ledger, ids, watcher
        self.latencies: list[float] = []
        self.errors = self.skipped = self.issued = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.started = 0.0

    async def one(self, player_id: str) -> None:
        """One purchase; its acknowledgement goes to the watcher."""
        start = time.perf_counter()
        try:
            result = await self.ledger.handle(Purchase(player_id=player_id, item="gold_coin"))
        except DomainError:
            self.errors += 1
            return
        acked = time.perf_counter()
        self.latencies.append(acked - start)
        self.watcher.expect(player_id, result.version, acked)

    async def run(self, rate: float, seconds: float, cap: int = 512) -> float:
        """Issue commands for `seconds`; the seconds it took to issue them."""
        begin = self.started = time.perf_counter()
        while (now := time.perf_counter()) < begin + seconds:
            for _ in range(int((now - begin) * rate) - self.issued):
                self.issued += 1
                if len(self.tasks) >= cap:  # the system fell behind: say so, do not queue
                    self.skipped += 1
                    continue
                task = asyncio.create_task(self.one(self.ids[self.issued % len(self.ids)]))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - begin
        await asyncio.gather(*self.tasks)
        return elapsed


async def measure_lag(dsn: str, ids: list[str], rate: float, seconds: float) -> list[Measure]:
    """Lag p50/p99 per read model at `rate` purchases/s, projectors in their own process."""
    with projector_process(dsn) as projector:
        settings = Settings(environment="test", group_commit=False)
        pool = await create_pool(dsn, settings)
        waker = Waker(pool)
        await waker.start()
        ledger = bootstrap(settings, pool, on_commit=waker.poke)
        watch = await asyncpg.connect(dsn)
        try:
            await caught_up(watch, within=600)
            return await _steady(ledger, ids, rate, seconds, watch, projector)
        finally:
            await watch.close()
            await waker.stop()
            await pool.close()


async def _steady(
    ledger: LedgerService,
    ids: list[str],
    rate: float,
    seconds: float,
    watch: asyncpg.Connection,
    projector: int,
) -> list[Measure]:
    watcher, stop = Watcher(), asyncio.Event()
    load = OpenLoop(ledger, ids, watcher)
    cpu, projector_cpu = _own_cpu(), cpu_seconds(projector)
    watching = asyncio.create_task(watcher.run(watch, stop, drain=30))
    elapsed = await load.run(rate, seconds)
    stop.set()
    await watching
    wall = time.perf_counter() - load.started
    achieved = len(load.latencies) / elapsed
    note = (
        f"offered {rate:.0f}/s open loop, achieved {achieved:.0f}/s"
        f" ({load.skipped} not started: in-flight cap); command p99"
        f" {percentile(sorted(load.latencies), 99) * 1000:.1f} ms; projectors in their own process"
        f" (CPU {(cpu_seconds(projector) - projector_cpu) / wall:.0%} of a core), generator"
        f" {(_own_cpu() - cpu) / wall:.0%} of a core; polled every {POLL * 1000:.0f} ms;"
        f" {_held(watcher.others)}"
    )
    rows = []
    for model in MODELS:
        lost = sum(len(v) for v in watcher.pending[model].values())
        row = summarise(
            f"projection lag, {model} (ms)",
            watcher.lags[model],
            elapsed,
            errors=load.errors + load.skipped + lost,
            note=note,
        )
        row.per_second = achieved  # the commands/s the lag was measured at, not lags/s
        rows.append(row)
    return rows


def _held(ages: list[float]) -> str:
    """How much other databases' open write transactions held the projectors' horizon."""
    over = sum(age > 0.1 for age in ages) / len(ages) if ages else 0.0
    return (
        f"a write transaction over 100 ms old was open in another database in {over:.0%} of"
        f" samples (longest {max(ages, default=0.0) * 1000:.0f} ms)"
    )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
