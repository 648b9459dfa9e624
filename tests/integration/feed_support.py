"""Helpers of the feed tests: run the feed, wait for it, read back what JetStream holds."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import nats

from infra.config import Settings
from projections.feed import FeedOptions
from projections.feed_runner import run_feed

FAST = FeedOptions(poll_interval=0.02, standby_interval=0.1, deliver_interval=0.02, max_backoff=0.5)


@contextlib.asynccontextmanager
async def feeding(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """The feed running in this process for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_feed(pool, settings, stop, FAST))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def caught_up(pool: asyncpg.Pool, name: str = "feed") -> None:
    """Wait until checkpoint `name` has passed every event (a hang guard, not a speed check)."""
    async with asyncio.timeout(120):
        while True:
            done = await pool.fetchval(
                "SELECT coalesce((SELECT events_applied FROM projector_checkpoints WHERE name = $1)"
                " >= (SELECT count(*) FROM events), false)",
                name,
            )
            if done:
                return
            await asyncio.sleep(0.02)


async def stream_messages(url: str, settings: Settings) -> list[tuple[str, dict[str, Any], str]]:
    """(Nats-Msg-Id, body, subject) of every message in the test's stream, in stream order."""
    client = await nats.connect(url, allow_reconnect=False)
    try:
        js = client.jetstream()
        info = await js.stream_info(settings.nats_stream)
        found: list[tuple[str, dict[str, Any], str]] = []
        if not info.state.messages:
            return found
        sub = await js.pull_subscribe(
            f"{settings.nats_subject_prefix}.>", stream=settings.nats_stream
        )
        while len(found) < info.state.messages:
            for msg in await sub.fetch(1000, timeout=10):
                found.append(
                    (msg.headers["Nats-Msg-Id"], msgspec.json.decode(msg.data), msg.subject)
                )
                await msg.ack()
        return found
    finally:
        await client.close()


async def log_order(pool: asyncpg.Pool) -> list[str]:
    """Every event's id in the cursor's order (transaction id, then position)."""
    rows = await pool.fetch(
        "SELECT stream_id, version FROM events ORDER BY transaction_id, global_position"
    )
    return [f"{r['stream_id']}@{r['version']}" for r in rows]
