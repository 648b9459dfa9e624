"""The write side's background writers, run together under the projector runner's leadership:
the sweeper (treasury shards) and the expirer (holds), each under its own role."""

import asyncio

import asyncpg

from infra.config import Settings
from service.expirer import run_expirer
from service.sweeper import Elector, run_sweeper


async def run_writers(
    pool: asyncpg.Pool,
    settings: Settings,
    stop: asyncio.Event,
    *,
    leader: Elector,
    interval: float = 1.0,
) -> None:
    """The sweeper and the expirer, every `interval` seconds, until `stop` is set."""
    await asyncio.gather(
        run_sweeper(pool, settings, stop, leader=leader, interval=interval),
        run_expirer(pool, settings, stop, leader=leader, interval=interval),
    )
