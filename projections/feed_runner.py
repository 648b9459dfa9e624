"""The feed process: the JetStream publisher and the webhooks, each active in one process.

`gameledger feed` runs this; so does `serve` when NATS_URL is set (or RUN_WEBHOOKS is on).
Like the projectors, each role takes a session advisory lock (projections/leadership.py): one
publisher at a time, the others stand by and take over when its session ends.
"""

import asyncio

import asyncpg
import structlog

from infra.broker import Broker
from infra.config import Settings
from projections import feed, webhooks
from projections.feed import FeedOptions
from projections.leadership import Leadership
from projections.loops import Pace, backoff, pool_for, record_error, until_signalled, wait

_log = structlog.get_logger(__name__)
# How the feed's connections show in `pg_stat_activity`.
FEED_APPLICATION = "gameledger-feed"


def enabled(settings: Settings) -> bool:
    """True when there is anything for the feed process to do."""
    return bool(settings.nats_url) or settings.run_webhooks


async def run_feed(
    dsn_or_pool: str | asyncpg.Pool,
    settings: Settings,
    stop: asyncio.Event,
    options: FeedOptions | None = None,
) -> None:
    """Publish (and deliver webhooks) until `stop` is set."""
    opts = options or FeedOptions()
    async with pool_for(dsn_or_pool, settings, 6, FEED_APPLICATION) as pool:
        publish_wake, outbox_wake = asyncio.Event(), asyncio.Event()
        leader = Leadership(pool, [publish_wake, outbox_wake])
        try:
            async with asyncio.TaskGroup() as group:
                if settings.nats_url:
                    publisher = Publisher(pool, settings, leader, opts)
                    group.create_task(publisher.run(publish_wake, stop), name="feed")
                if settings.nats_url or settings.run_webhooks:
                    for name, work in webhooks.loops(
                        pool, settings, leader, outbox_wake, stop, opts
                    ):
                        group.create_task(work, name=name)
                watch = leader.watch(stop, opts.standby_interval)
                group.create_task(watch, name="leadership")
        finally:
            await leader.close()


async def serve_feed(dsn: str, settings: Settings, options: FeedOptions | None = None) -> None:
    """Run the feed until SIGINT or SIGTERM, starting over after a failure."""
    await until_signalled("feed", lambda stop: run_feed(dsn, settings, stop, options))


class Publisher:
    """The JetStream publisher: connect, look the last message up, publish batches."""

    def __init__(
        self, pool: asyncpg.Pool, settings: Settings, leader: Leadership, opts: FeedOptions
    ) -> None:
        self.pool, self.settings, self.leader, self.opts = pool, settings, leader, opts
        self.failures = 0
        self.log = _log.bind(projector=feed.CHECKPOINT, nats_stream=settings.nats_stream)

    async def run(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        """Publish while active; stand by otherwise; start over after any failure."""
        while not stop.is_set():
            if not await self.leader.holds(feed.CHECKPOINT):
                await wait(stop, self.opts.standby_interval)
                continue
            broker: Broker | None = None
            try:
                broker = await feed.open_broker(self.settings)
                skipped = await feed.resync(self.pool, broker, self.settings)
                self.log.info("publishing", resumed_past=skipped)
                await self._publish(broker, wake, stop)
            except Exception as error:  # broker or database away: say why, back off, retry
                self.failures += 1
                self.log.warning("feed interrupted", error=f"{type(error).__name__}: {error}")
                await record_error(self.pool, feed.CHECKPOINT, error)
                await wait(stop, backoff(self.failures, self.opts.max_backoff))
            finally:
                if broker is not None:
                    await broker.close()

    async def _publish(self, broker: Broker, wake: asyncio.Event, stop: asyncio.Event) -> None:
        pace = Pace(self.opts.poll_interval, self.opts.busy_interval)
        prefix, limit = self.settings.nats_subject_prefix, self.opts.batch_size
        while not stop.is_set() and feed.CHECKPOINT in self.leader.held:
            wake.clear()
            result = await feed.step(self.pool, broker, prefix, limit)
            self.failures = 0
            if result.applied:
                self.log.debug("published", size=result.applied, position=result.position)
            await pace.rest(result, stop, wake)
