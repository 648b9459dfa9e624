"""The operator sees webhook deliveries that exhausted their retries and redelivers one."""

import uuid

import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import ADMIN, Server
from tests.e2e.test_operator_journey import log_in

pytestmark = pytest.mark.xdist_group("e2e")


async def test_a_failed_delivery_is_listed_and_redelivered_with_one_click(
    page: Page, server: Server, e2e_dsn: str
) -> None:
    conn = await asyncpg.connect(e2e_dsn)
    try:
        endpoint = uuid.uuid4()
        await conn.execute(
            "INSERT INTO webhook_endpoints (id, url, events, secret)"
            " VALUES ($1, 'https://crm.example/hooks', '{transferred}', 'whsec_AAAA')",
            endpoint,
        )
        delivery = await conn.fetchval(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_key, global_position,"
            " body, status, attempts, deadline, last_status)"
            " VALUES ($1, 'player:x@2', 'transferred.purchase', 7, '{}', 'failed', 25, now(), 503)"
            " RETURNING id",
            endpoint,
        )
        await log_in(page, *ADMIN)
        await page.get_by_role("button", name="Operator").click()
        row = page.locator(f'[data-webhook-failures] tr[data-delivery="{delivery}"]')
        await expect(row).to_contain_text("transferred.purchase")
        await expect(row).to_contain_text("503")
        await row.get_by_role("button", name=f"Redeliver delivery {delivery}").click()
        await expect(page.locator("[data-webhooks-ok]")).to_contain_text(f"Delivery {delivery}")
        await expect(row).to_have_count(0)
        status = await conn.fetchval(
            "SELECT status FROM webhook_deliveries WHERE id = $1", delivery
        )
        assert status == "pending"  # due again, with a fresh retry period
        assert await conn.fetchval(
            "SELECT deadline > now() FROM webhook_deliveries WHERE id = $1", delivery
        )
    finally:
        await conn.close()
