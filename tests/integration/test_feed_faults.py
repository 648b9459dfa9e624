"""The feed under faults: its process SIGKILLed again and again, and the broker stopped.

Both compare what JetStream holds with the events table: every event once, in log order.
"""

import asyncio
import contextlib
import os
import random
import signal
import sys
from pathlib import Path

import asyncpg
import msgspec
import pytest

from domain.errors import StreamVersionConflict
from infra.config import Settings
from projections.queries import projector_status
from service.ledger import LedgerService
from tests.integration.feed_support import caught_up, feeding, log_order, stream_messages
from tests.integration.projection_support import play, sign_up_players
from tests.nats_support import own_server

ROOT = Path(__file__).resolve().parents[2]


async def start_feed(dsn: str, settings: Settings) -> asyncio.subprocess.Process:
    env = {
        **os.environ, "DATABASE_URL": dsn, "NATS_URL": settings.nats_url or "",
        "NATS_STREAM": settings.nats_stream, "NATS_SUBJECT_PREFIX": settings.nats_subject_prefix,
        "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "feed", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def write(
    ledger: LedgerService, players: list[str], rounds: int, until: asyncio.Event | None = None
) -> None:
    """`rounds` of play per player, and on until `until` is set when given."""

    async def one(player: str) -> None:
        rng = random.Random(player)
        done = 0
        while done < rounds or (until is not None and not until.is_set()):
            with contextlib.suppress(StreamVersionConflict):
                await play(ledger, player, 1, rng)
            done += 1

    await asyncio.gather(*(one(p) for p in players))


async def published(pool: asyncpg.Pool) -> int:
    count = await pool.fetchval(
        "SELECT events_applied FROM projector_checkpoints WHERE name='feed'"
    )
    return int(count or 0)


async def moved_past(pool: asyncpg.Pool, mark: int) -> None:
    """Wait until the feed's checkpoint has moved past `mark` (progress, not time)."""
    async with asyncio.timeout(120):
        while await published(pool) <= mark:  # noqa: ASYNC110 - polling the database
            await asyncio.sleep(0.01)


@pytest.mark.slow
async def test_a_feed_sigkilled_five_times_leaves_no_duplicate_and_no_gap(
    pool: asyncpg.Pool, db_dsn: str, ledger: LedgerService, feed_settings: Settings
) -> None:
    players = await sign_up_players(ledger, 8, prefix="feedkill")
    rng = random.Random(5)
    process = await start_feed(db_dsn, feed_settings)
    kills_done = asyncio.Event()
    writing = asyncio.create_task(write(ledger, players, 5, until=kills_done))
    try:
        for _ in range(5):
            await moved_past(pool, await published(pool))
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            process.send_signal(signal.SIGKILL)
            await process.wait()
            process = await start_feed(db_dsn, feed_settings)
        kills_done.set()
        await writing
        await caught_up(pool)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        kills_done.set()
        await asyncio.gather(writing, return_exceptions=True)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    ids = [m for m, _, _ in await stream_messages(feed_settings.nats_url or "", feed_settings)]
    assert len(ids) == len(set(ids))  # no duplicate
    assert ids == await log_order(pool)  # no gap, in log order
    assert await published(pool) == len(ids)


@pytest.mark.slow
async def test_a_broker_stopped_for_ten_seconds_loses_nothing_and_the_lag_recovers(
    pool: asyncpg.Pool, ledger: LedgerService, feed_settings: Settings, tmp_path: Path
) -> None:
    players = await sign_up_players(ledger, 6, prefix="feedout")
    async with own_server(tmp_path / "nats") as server:
        settings = msgspec.structs.replace(feed_settings, nats_url=server.url)
        async with feeding(pool, settings):
            await write(ledger, players, 5)
            await moved_past(pool, 0)
            await server.stop()
            during = asyncio.create_task(write(ledger, players, 5))
            await asyncio.sleep(10)  # the outage the issue asks for; nothing is timed against it
            await during
            async with pool.acquire() as conn:
                lag = {s.name: s.lag_events for s in await projector_status(conn)}["feed"]
            await server.start()
            await caught_up(pool)
            async with pool.acquire() as conn:
                after = {s.name: s for s in await projector_status(conn)}["feed"]
        ids = [m for m, _, _ in await stream_messages(server.url, settings)]
    assert lag > 0  # the outage was real: events waited for the broker
    assert after.lag_events == 0
    assert after.last_error is None  # cleared by the first batch after the restart
    assert ids == await log_order(pool)
