"""Webhooks: a second consumer of the log's cursor, with a durable outbox of deliveries.

The outbox is a projection like the others: one transaction takes the `webhooks` checkpoint's
lock, reads the next batch below the horizon, writes a delivery row per (event, subscribed
endpoint) and moves the checkpoint (projections/runner.step). Delivery happens after, from the
table: at least once, with exponential backoff and jitter until the delivery's deadline, one
lease-claimed attempt at a time per row. A slow or dead receiver only holds its own attempts;
the outbox, the feed and the projectors never wait for HTTP.
"""

import asyncio
import random
from collections.abc import Coroutine, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import msgspec
import structlog

from domain.webhook_errors import InvalidWebhookUrl
from infra import metrics, webhook_sender, webhook_store
from infra.config import Settings
from infra.db import Conn
from infra.eventstore import StoredEvent
from infra.webhook_store import Due
from projections import runner
from projections.feed import FeedOptions
from projections.feed_message import body, event_id, event_key, metadata_of
from projections.leadership import Leadership
from projections.loops import Pace, backoff, record_error, wait
from projections.model import Projection, Tables

_log = structlog.get_logger(__name__)
_encode = msgspec.json.Encoder().encode

OUTBOX = "webhooks"  # its checkpoint row and leadership role
DISPATCHER = "webhook-delivery"
CONCURRENCY = 16  # attempts in flight at once


def matches(patterns: Sequence[str], key: str) -> bool:
    """True when an endpoint subscribed to `patterns` wants events of `key`."""
    return any(p in ("*", key) or key.startswith(p + ".") for p in patterns)


def envelope(stored: StoredEvent, metadata: dict[str, Any]) -> str:
    """The Standard Webhooks payload: `type`, `timestamp` and the feed's message as `data`."""
    data = body(stored, metadata)
    return _encode(
        {"type": data["eventType"], "timestamp": data["occurredAt"], "data": data}
    ).decode()


def outbox(retry_seconds: float) -> Projection:
    """The outbox as a projection: delivery rows for a batch of events."""

    async def apply(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
        subscribers = await webhook_store.subscribed(conn)
        if not subscribers:
            return
        meta = await metadata_of(conn, events)
        rows = []
        for stored in events:
            key = event_key(stored.event)
            wanted = [
                endpoint
                for endpoint, patterns, first in subscribers
                if stored.global_position >= first and matches(patterns, key)
            ]
            if wanted:
                text = envelope(stored, meta.get(stored.global_position, {}))
                ident = event_id(stored.stream_id, stored.version)
                rows += [(e, ident, key, stored.global_position, text) for e in wanted]
        await webhook_store.enqueue(conn, rows, retry_seconds)

    return Projection(name=OUTBOX, tables=(), apply=apply)


def loops(
    pool: asyncpg.Pool,
    settings: Settings,
    leader: Leadership,
    wake: asyncio.Event,
    stop: asyncio.Event,
    opts: FeedOptions,
) -> Iterator[tuple[str, Coroutine[Any, Any, None]]]:
    """The outbox writer and the dispatcher, as (name, coroutine) pairs for a task group."""
    due = asyncio.Event()
    yield "webhook-outbox", _outbox_loop(pool, settings, leader, wake, due, stop, opts)
    yield "webhook-delivery", Dispatcher(pool, settings, leader, opts).run(due, stop)


async def _outbox_loop(
    pool: asyncpg.Pool,
    settings: Settings,
    leader: Leadership,
    wake: asyncio.Event,
    due: asyncio.Event,
    stop: asyncio.Event,
    opts: FeedOptions,
) -> None:
    projection, failures = outbox(settings.webhook_retry_seconds), 0
    pace = Pace(opts.poll_interval, opts.busy_interval)
    while not stop.is_set():
        wake.clear()
        try:
            if not await leader.holds(OUTBOX):
                await wait(stop, opts.standby_interval)
                continue
            async with pool.acquire() as conn:
                result = await runner.step(conn, projection, projection.live(), opts.batch_size)
            failures = 0
        except Exception as error:  # the database is away: say so, back off
            failures += 1
            _log.warning("webhook outbox interrupted", error=f"{type(error).__name__}: {error}")
            await record_error(pool, OUTBOX, error)
            await wait(stop, backoff(failures, opts.max_backoff))
            continue
        if result.applied:
            due.set()
        await pace.rest(result, stop, wake)


class Dispatcher:
    """Claims due deliveries and attempts them, up to CONCURRENCY at a time."""

    def __init__(
        self, pool: asyncpg.Pool, settings: Settings, leader: Leadership, opts: FeedOptions
    ) -> None:
        self.pool, self.settings, self.leader, self.opts = pool, settings, leader, opts
        self.allow = webhook_sender.allowed(settings.webhook_allow_networks)
        self.lease = settings.webhook_timeout_seconds + 30.0
        self.inflight: set[asyncio.Task[None]] = set()
        self.rng = random.Random()

    async def run(self, due: asyncio.Event, stop: asyncio.Event) -> None:
        """Deliver until `stop`; an attempt cut short by the stop is retried after its lease."""
        async with webhook_sender.client() as http:
            try:
                while not stop.is_set():
                    due.clear()
                    try:
                        await self._claim(http, due)
                    except Exception as error:  # the database is away: try again later
                        _log.warning("webhook claim failed", error=f"{type(error).__name__}")
                    await wait(stop, self.opts.deliver_interval, due)
            finally:
                for task in self.inflight:
                    task.cancel()
                await asyncio.gather(*self.inflight, return_exceptions=True)

    async def _claim(self, http: httpx.AsyncClient, due: asyncio.Event) -> None:
        free = CONCURRENCY - len(self.inflight)
        if free <= 0 or not await self.leader.holds(DISPATCHER):
            return
        async with self.pool.acquire() as conn:
            claimed = await webhook_store.claim(conn, free, self.lease)
        for delivery in claimed:
            task = asyncio.create_task(self.attempt(http, delivery))
            self.inflight.add(task)

            def done(finished: asyncio.Task[None]) -> None:
                self.inflight.discard(finished)
                due.set()  # room for another attempt

            task.add_done_callback(done)

    async def attempt(self, http: httpx.AsyncClient, delivery: Due) -> None:
        """One attempt at `delivery`, and its outcome recorded."""
        status: int | None = None
        error: str | None = None
        try:
            await webhook_sender.check_url(delivery.url, self.allow)
            headers = webhook_sender.signed_headers(
                delivery.secret, delivery.event_id, delivery.body, datetime.now(UTC)
            )
            status = await webhook_sender.post(
                http, delivery.url, headers, delivery.body, self.settings.webhook_timeout_seconds
            )
        except InvalidWebhookUrl as refused:
            error = refused.detail
        except (httpx.HTTPError, OSError, TimeoutError) as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        try:
            await self._record(delivery, status, error)
        except Exception:  # unrecorded: the lease runs out and the delivery is attempted again
            _log.exception("could not record a webhook attempt", delivery=delivery.id)

    async def _record(self, delivery: Due, status: int | None, error: str | None) -> None:
        step = webhook_sender.next_step(
            status,
            delivery.attempts,
            delivery.deadline,
            datetime.now(UTC),
            self.settings.webhook_backoff_seconds,
            self.rng,
        )
        metrics.WEBHOOK_ATTEMPTS.labels(step.outcome).inc()
        _log_attempt(delivery, status, error, step)
        async with self.pool.acquire() as conn:
            if step.outcome == "delivered":
                await webhook_store.delivered(conn, delivery.id, status or 0)
            elif step.outcome == "gone":
                async with conn.transaction():
                    await webhook_store.failed(conn, delivery.id, status, "410 Gone")
                    await webhook_store.set_enabled(
                        conn, delivery.endpoint_id, False, "the receiver answered 410 Gone"
                    )
            elif step.outcome == "retry" and step.retry_at is not None:
                await webhook_store.retry_at(conn, delivery.id, step.retry_at, status, error)
            else:
                await webhook_store.failed(conn, delivery.id, status, error or "retries exhausted")


def _log_attempt(
    delivery: Due, status: int | None, error: str | None, step: webhook_sender.NextStep
) -> None:
    """Each attempt at DEBUG; one that was not delivered at WARNING, with why and what next."""
    fields = {
        "delivery": delivery.id, "endpoint": str(delivery.endpoint_id), "url": delivery.url,
        "event_id": delivery.event_id, "attempt": delivery.attempts, "status": status,
        "outcome": step.outcome,
    }  # fmt: skip
    if step.outcome == "delivered":
        _log.debug("webhook delivered", **fields)
        return
    retry_at = step.retry_at.isoformat() if step.retry_at else None
    _log.warning("webhook attempt failed", **fields, error=error, retry_at=retry_at)
