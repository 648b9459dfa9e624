"""The change feed: every committed event, once, in log order, on a NATS JetStream stream.

It tails the log with the projectors' cursor (the same horizon, the same checkpoint table,
under the name `feed`) and moves its checkpoint only after JetStream acknowledged the whole
batch. Whenever it (re)starts, before publishing anything, it reads the stream's last message
and moves the checkpoint past that event: a crash between the acknowledgement and the
checkpoint, or an outage longer than JetStream's duplicate window, can then neither double nor
skip an event. The duplicate window (`Nats-Msg-Id`) is the second net, for the publishes that
were in flight when the last message was looked up.
"""

from dataclasses import dataclass

import asyncpg
import structlog

from infra import eventstore_reads, metrics
from infra.broker import Broker, Published
from infra.config import Settings
from infra.db import Conn
from projections import cursor  # the one import of the cursor in the feed's code
from projections.feed_message import messages, parse_event_id

_log = structlog.get_logger(__name__)

CHECKPOINT = "feed"  # its row in projector_checkpoints, and its leadership role


class FeedMismatch(RuntimeError):
    """The stream's last message names an event this database does not hold."""


@dataclass(frozen=True)
class FeedOptions:
    """Tunables of the feed process (defaults suit production; tests shorten the waits)."""

    batch_size: int = 500
    poll_interval: float = 0.5  # backstop when idle: a NOTIFY normally wakes us first
    busy_interval: float = 0.005  # committed rows wait behind an open writer: look again soon
    standby_interval: float = 1.0
    max_backoff: float = 5.0  # between attempts to reach a broker that is away
    deliver_interval: float = 0.5  # how often due webhook retries are looked for


def subjects(settings: Settings) -> list[str]:
    """The subjects the feed's stream captures."""
    return [f"{settings.nats_subject_prefix}.>"]


async def open_broker(settings: Settings) -> Broker:
    """Connect to NATS and make sure the stream exists with the configured retention."""
    assert settings.nats_url, "the feed needs NATS_URL"
    broker = await Broker.connect(settings.nats_url, settings.nats_stream)
    try:
        await broker.ensure_stream(
            subjects(settings),
            max_age=settings.nats_retention_days * 86400.0,
            duplicate_window=settings.nats_duplicate_window_seconds,
            replicas=settings.nats_replicas,
        )
    except BaseException:
        await broker.close()
        raise
    return broker


async def resync(pool: asyncpg.Pool, broker: Broker, settings: Settings) -> int:
    """Move the checkpoint past the stream's last message; the events it skipped over."""
    last = await broker.last_msg_id(subjects(settings)[0])
    key = parse_event_id(last) if last else None
    if last and key is None:
        raise FeedMismatch(f"stream {broker.stream} ends with a foreign message id {last!r}")
    if key is None:
        return 0
    async with pool.acquire() as conn, conn.transaction():
        await cursor.lock_batch(conn, CHECKPOINT)
        return await _advance_to(conn, key)


async def step(pool: asyncpg.Pool, broker: Broker, prefix: str, limit: int) -> cursor.Step:
    """Publish the next batch (if any), then move the checkpoint past it."""
    async with pool.acquire() as conn:
        batch, result = await cursor.next_batch(conn, CHECKPOINT, limit)
        if not batch.events:
            return result
        outgoing = await messages(conn, batch.events, prefix)
    # No connection is held while JetStream answers: a slow broker must not pin the pool.
    acks: Published = await broker.publish(outgoing)
    async with pool.acquire() as conn, conn.transaction():
        await cursor.lock_batch(conn, CHECKPOINT)
        await cursor.save(conn, CHECKPOINT, batch)  # raises if another publisher moved it
    metrics.FEED_PUBLISHED.labels("stored").inc(acks.stored)
    metrics.FEED_PUBLISHED.labels("duplicate").inc(acks.duplicates)
    return result


async def _advance_to(conn: Conn, key: tuple[str, int]) -> int:
    target = await eventstore_reads.position_of(conn, *key)
    if target is None:
        raise FeedMismatch(f"the stream's last event {key[0]}@{key[1]} is not in this ledger")
    moved = 0
    at = await cursor.load(conn, CHECKPOINT)
    while at < target:
        batch = await cursor.read_after(conn, at, 1000)
        if not batch.events:
            raise FeedMismatch(f"{key[0]}@{key[1]} is not below the horizon yet")
        positions = [e.global_position for e in batch.events]
        if target.global_position in positions:
            taken = batch.events[: positions.index(target.global_position) + 1]
            batch = cursor.Batch(taken, target)
        await cursor.save(conn, CHECKPOINT, batch)
        moved += len(batch.events)
        at = batch.last
    if moved:
        _log.info("feed checkpoint moved past the stream's last message", events=moved)
    return moved
