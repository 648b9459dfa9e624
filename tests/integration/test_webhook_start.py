"""Where a webhook endpoint's deliveries begin (issue 25): an endpoint registered late starts at
the log's end, not its beginning, unless it asks for the beginning or a position; and each
attempt is logged through structlog (httpx's own request lines are silenced)."""

import logging

import asyncpg
import msgspec
import pytest
from structlog.testing import capture_logs

from infra.config import Settings
from service import webhooks as webhook_admin
from service.ledger import LedgerService
from tests.integration.feed_support import caught_up, feeding
from tests.integration.test_webhooks import DELIVERED, purchase, until
from tests.integration.webhook_receiver import receiving

PURCHASES = "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1"


@pytest.fixture
def hook_settings(feed_settings: Settings) -> Settings:
    """Loopback receivers allowed, fast retries."""
    return msgspec.structs.replace(
        feed_settings, webhook_allow_networks=("127.0.0.0/8",), webhook_backoff_seconds=0.05
    )


async def test_a_late_endpoint_is_not_sent_the_past_unless_it_asks(
    pool: asyncpg.Pool, ledger: LedgerService, hook_settings: Settings
) -> None:
    await purchase(ledger, "past")  # before any endpoint: the past
    past_end = await pool.fetchval("SELECT max(global_position) FROM events")
    async with receiving([200]) as receiver:
        keys = ["transferred.purchase"]
        late = await webhook_admin.register(pool, hook_settings, receiver.url, keys, None)
        everything = await webhook_admin.register(
            pool, hook_settings, receiver.url, keys, None, "beginning"
        )
        after = await webhook_admin.register(
            pool, hook_settings, receiver.url, keys, None, past_end + 1
        )
        assert late.from_position == past_end + 1
        assert (everything.from_position, after.from_position) == (1, past_end + 1)
        await purchase(ledger, "now")
        async with feeding(pool, hook_settings):
            await caught_up(pool, "webhooks")
            await until(pool, DELIVERED, 4)
    counts = [await pool.fetchval(PURCHASES, e.id) for e in (late, everything, after)]
    assert counts == [1, 2, 1]


async def test_attempts_are_logged_at_debug_and_failures_at_warning(
    pool: asyncpg.Pool, ledger: LedgerService, hook_settings: Settings
) -> None:
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    with capture_logs() as logs:
        async with receiving([503, 200]) as receiver:
            await webhook_admin.register(
                pool, hook_settings, receiver.url, ["transferred.purchase"], None
            )
            await purchase(ledger, "logged")
            async with feeding(pool, hook_settings):
                await until(pool, DELIVERED, 1)
    attempts = [e for e in logs if e["event"].startswith("webhook ")]
    assert [(e["event"], e["log_level"], e["status"]) for e in attempts] == [
        ("webhook attempt failed", "warning", 503),
        ("webhook delivered", "debug", 200),
    ]
    assert attempts[0]["retry_at"] is not None
