"""Webhooks against a local receiver: signed deliveries, retries, 410, slow receivers, SSRF."""

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import asyncpg
import msgspec
import pytest

from domain.commands import Purchase, TopUp
from domain.webhook_errors import InvalidWebhookEvents, InvalidWebhookUrl
from infra.config import Settings
from infra.webhook_sender import allowed, check_url
from service import webhooks as webhook_admin
from service.ledger import LedgerService
from tests.integration.feed_support import caught_up, feeding
from tests.integration.projection_support import sign_up_players
from tests.integration.webhook_receiver import receiving

LOOPBACK = ("127.0.0.0/8",)


@pytest.fixture
def hook_settings(feed_settings: Settings) -> Settings:
    """The feed's settings with fast retries and loopback receivers allowed explicitly."""
    return msgspec.structs.replace(
        feed_settings, webhook_allow_networks=LOOPBACK, webhook_backoff_seconds=0.05,
        webhook_timeout_seconds=5.0,
    )  # fmt: skip


async def until(pool: asyncpg.Pool, query: str, *args: Any) -> None:
    """Wait until `query` answers true (a hang guard, not a speed check)."""
    async with asyncio.timeout(60):
        while not await pool.fetchval(query, *args):  # noqa: ASYNC110 - polling the database
            await asyncio.sleep(0.02)


async def purchase(ledger: LedgerService, label: str) -> str:
    [player] = await sign_up_players(ledger, 1, prefix=label)
    await ledger.handle(TopUp(player_id=player, amount=500))
    return (await ledger.handle(Purchase(player_id=player, item="gold_coin"))).transfer_id


DELIVERED = "SELECT count(*) = $1 FROM webhook_deliveries WHERE status = 'delivered'"


async def test_a_delivery_is_signed_as_standard_webhooks_say_checked_with_the_stdlib(
    pool: asyncpg.Pool, ledger: LedgerService, hook_settings: Settings
) -> None:
    async with receiving([200]) as receiver:
        endpoint = await webhook_admin.register(
            pool, hook_settings, receiver.url, ["transferred.purchase"], "tests"
        )
        transfer_id = await purchase(ledger, "hooksig")
        async with feeding(pool, hook_settings):
            await until(pool, DELIVERED, 1)
    [request] = receiver.requests
    key = base64.b64decode(endpoint.secret.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode()
    digest = hmac.new(key, signed + request.body, hashlib.sha256).digest()
    assert request.headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
    payload = json.loads(request.body)
    assert payload["type"] == "transferred.purchase"
    assert payload["data"]["event"]["transferId"] == transfer_id
    assert request.headers["webhook-id"] == payload["data"]["id"]


async def test_a_5xx_then_2xx_is_delivered_once_after_a_retry(
    pool: asyncpg.Pool, ledger: LedgerService, hook_settings: Settings
) -> None:
    async with receiving([503, 200]) as receiver:
        await webhook_admin.register(
            pool, hook_settings, receiver.url, ["transferred.purchase"], None
        )
        await purchase(ledger, "hookretry")
        async with feeding(pool, hook_settings):
            await until(pool, DELIVERED, 1)
    [row] = await pool.fetch("SELECT attempts, last_status FROM webhook_deliveries")
    assert (row["attempts"], row["last_status"]) == (2, 200)
    first, second = receiver.requests  # delivered once: no attempt after the 2xx
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body


async def test_410_disables_the_endpoint_and_later_events_are_not_queued_for_it(
    pool: asyncpg.Pool, ledger: LedgerService, hook_settings: Settings
) -> None:
    async with receiving([410]) as receiver:
        endpoint = await webhook_admin.register(
            pool, hook_settings, receiver.url, ["transferred.purchase"], None
        )
        await purchase(ledger, "hookgone")
        async with feeding(pool, hook_settings):
            await until(
                pool, "SELECT NOT enabled FROM webhook_endpoints WHERE id = $1", endpoint.id
            )
            await purchase(ledger, "hookgone2")
            await caught_up(pool, "webhooks")
    rows = await pool.fetch("SELECT status, last_status FROM webhook_deliveries")
    assert [(r["status"], r["last_status"]) for r in rows] == [("failed", 410)]
    assert len(receiver.requests) == 1
    [listed] = await webhook_admin.endpoints(pool)
    assert listed.disabled_reason == "the receiver answered 410 Gone"


async def test_a_slow_receiver_does_not_stall_the_feed(
    pool: asyncpg.Pool, ledger: LedgerService, hook_settings: Settings
) -> None:
    async with receiving([200], open_gate=False) as receiver:
        await webhook_admin.register(pool, hook_settings, receiver.url, ["*"], None, "beginning")
        async with feeding(pool, hook_settings):
            await receiver.wait_for(1)  # an attempt is now held open by the receiver
            for n in range(5):
                await purchase(ledger, f"hookslow{n}")
            await caught_up(pool, "feed")
            await caught_up(pool, "webhooks")
            assert not receiver.gate.is_set()  # all of it while the first answer was held
            receiver.gate.set()
            total = await pool.fetchval("SELECT count(*) FROM events")
            await until(pool, DELIVERED, total)


async def test_exhausted_deliveries_are_listed_and_redelivered_on_request(
    pool: asyncpg.Pool, ledger: LedgerService, hook_settings: Settings
) -> None:
    settings = msgspec.structs.replace(hook_settings, webhook_retry_seconds=0.3)
    async with receiving([500]) as receiver:
        await webhook_admin.register(pool, settings, receiver.url, ["transferred.purchase"], None)
        await purchase(ledger, "hookdead")
        async with feeding(pool, settings):
            await until(pool, "SELECT count(*) = 1 FROM webhook_deliveries WHERE status = 'failed'")
            [failed] = await webhook_admin.deliveries(pool, "failed")
            assert failed.last_status == 500
            receiver.statuses = [200]
            await webhook_admin.redeliver(pool, settings, failed.id)
            await until(pool, DELIVERED, 1)
    assert len(receiver.requests) >= 2


async def test_only_http_urls_to_other_hosts_are_accepted() -> None:
    for url in ("ftp://example.com/x", "http:///nohost", "javascript:alert(1)"):
        with pytest.raises(InvalidWebhookUrl):
            await check_url(url, ())
    unspecified = "http://0.0.0.0/"
    for url in ("http://127.0.0.1:9/", "http://localhost/", "http://[::1]/", unspecified,
                "http://[::ffff:127.0.0.1]/"):  # fmt: skip
        with pytest.raises(InvalidWebhookUrl):
            await check_url(url, ())
        if url != unspecified:
            await check_url(url, allowed((*LOOPBACK, "::1/128")))
    for url in ("http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/"):
        with pytest.raises(InvalidWebhookUrl):
            await check_url(url, allowed(LOOPBACK))  # metadata stays refused
    await check_url("https://93.184.215.14/hook", ())  # a public address


async def test_registration_refuses_unknown_event_keys(
    pool: asyncpg.Pool, hook_settings: Settings
) -> None:
    with pytest.raises(InvalidWebhookEvents):
        await webhook_admin.register(pool, hook_settings, "http://127.0.0.1/", ["nope"], None)
