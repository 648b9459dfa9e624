"""What every measurement group of the benchmark (bench/groups.py) is given: the run's `Plan`
(how long and how wide each measurement runs) and its `Context` (the database, the bench players
and the series the groups add for the JSON), `prepare` that migrates the database and makes the
players, and `log` for progress lines."""

import sys
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec

from bench import ratios, workload
from infra import migrate
from infra.config import Settings
from infra.db import create_pool
from service.bootstrap import bootstrap

JWT_SECRET = "bench-secret-that-is-at-least-32-bytes-long"  # noqa: S105 - bench only


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """How long and how wide each measurement runs."""

    seconds: float
    db_concurrency: tuple[int, ...]
    http_connections: tuple[int, ...]
    players: int
    long_stream: int
    workers: int
    lag_rate: float
    lag_seconds: float
    soak_seconds: float
    batch_size: int = 1000  # transfers per request of the batch rows
    funds: int = 50_000  # diamonds each bench player starts with
    side_rounds: int = 4  # alternating rounds of the side-by-side group
    side_seconds: float = 5  # each wrk run of a round
    # Where the side-by-side group's service runs its projectors (bench/side.py PROJECTORS).
    projectors: str = "in"

    @property
    def reference_conns(self) -> int:
        """The connection count single-load rows use: 64, or the most the plan has below it."""
        return max(c for c in self.http_connections if c <= 64)


@dataclass
class Context:
    """The run's database, plan and bench players; groups add series for the JSON."""

    dsn: str
    plan: Plan
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    series: dict[str, Any] = field(default_factory=dict)
    runs: list[ratios.Run] = field(default_factory=list)  # the side-by-side group's wrk runs

    def env(self, **extra_env: str) -> dict[str, str]:
        """The environment of a service (and baseline) process."""
        return {
            "GAMELEDGER_DSN": self.dsn,
            "DATABASE_URL": self.dsn,
            "JWT_SECRET": JWT_SECRET,
            "RUN_PROJECTORS": "true",
            "LOG_LEVEL": "WARNING",
            "GAMELEDGER_ENV": "development",
            **extra_env,
        }


def log(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


async def prepare(ctx: Context) -> None:
    """Migrate, mint genesis and create the bench players (with their ids)."""
    conn = await asyncpg.connect(ctx.dsn)
    await migrate.migrate(conn)
    await conn.close()
    settings = Settings(environment="test", group_commit=False)
    pool = await create_pool(ctx.dsn, settings)
    ledger = bootstrap(settings, pool)
    try:
        await ledger.seed_genesis()
        log(f"creating {ctx.plan.players} players")
        ctx.names = await workload.make_players(ledger, ctx.plan.players, funds=ctx.plan.funds)
        rows = await pool.fetch(
            "SELECT player_id FROM credentials WHERE username = ANY($1)", ctx.names
        )
        ctx.ids = [r["player_id"] for r in rows]
    finally:
        await pool.close()
