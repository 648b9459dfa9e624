"""The write side's background writers, run together under the projector runner's leadership:
the sweeper (treasury shards) and the expirer (holds and trades), each under its own role."""

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg

from domain.ports import Overdue
from infra.config import Settings
from service.expirer import run_expirer
from service.sweeper import Elector, run_sweeper


def writers(overdue: Callable[[asyncpg.Pool], Overdue]) -> Callable[..., Awaitable[None]]:
    """The sweeper and the expirer, as the projector runner starts them (`RunnerOptions.sweeper`);
    `overdue` builds the expirer's port over the runner's pool (the read side's implementation,
    injected by whoever composes the process)."""

    async def run(
        pool: asyncpg.Pool,
        settings: Settings,
        stop: asyncio.Event,
        *,
        leader: Elector,
        interval: float = 1.0,
    ) -> None:
        """Both writers, every `interval` seconds, until `stop` is set."""
        await asyncio.gather(
            run_sweeper(pool, settings, stop, leader=leader, interval=interval),
            run_expirer(
                pool, settings, stop, leader=leader, overdue=overdue(pool), interval=interval
            ),
        )

    return run
