"""Currency that expires in a real browser, over the example catalog: the player's wallet lists
its lots with their expiry dates, soonest first, and the operator's stream explorer shows the
player's expiring lots."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Page, expect

from cli.main import prepare
from infra.config import load_settings
from tests.catalogs import EXAMPLE_FILE
from tests.e2e import harness
from tests.e2e.harness import ADMIN
from tests.e2e.test_economy_console import admin_auth, player
from tests.e2e.test_operator_journey import log_in

pytestmark = pytest.mark.xdist_group("e2e")
PASSWORD = "correct-horse-1"


@pytest.fixture(scope="module")
async def server(e2e_dsn: str) -> AsyncIterator[harness.Server]:
    """The service serving the example catalog (one expiring currency), with an operator."""
    env = {**harness.server_env(e2e_dsn), "CATALOG_FILE": str(EXAMPLE_FILE)}
    await prepare(e2e_dsn, load_settings(env))
    harness.create_admin(env)
    with harness.run_server(env) as running:
        yield running


async def two_lots(server: harness.Server, username: str) -> str:
    """A player with 50 tokens from a top-up (a week) and 40 granted for an hour; the hour's
    expiry as the API writes it."""
    hour = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    async with httpx.AsyncClient(base_url=server.url) as client:
        auth = await player(client, username)
        body = {"amount": 50, "currency": "event_token"}
        assert (await client.post("/top-up", json=body, headers=auth)).status_code == 200
        grant = {
            "player": username,
            "amount": 40,
            "currency": "event_token",
            "reason": "quest",
            "expiresAt": hour.isoformat(),
        }
        granted = await client.post("/grants", json=grant, headers=await admin_auth(client))
        assert granted.status_code == 201, granted.text
    return hour.isoformat().replace("+00:00", "Z")


async def test_the_wallet_lists_lots_soonest_first(page: Page, server: harness.Server) -> None:
    hour = await two_lots(server, "lena")
    await log_in(page, "lena", PASSWORD)
    lots = page.locator("[data-lots] li")
    await expect(lots).to_have_count(2)
    await expect(lots.first).to_have_attribute("data-expires", hour)
    await expect(lots.first).to_contain_text("40 Event Tokens")
    await expect(lots.nth(1)).to_contain_text("50 Event Tokens")
    await expect(page.locator('[data-amount="event_token"]')).to_have_text("90")


async def test_the_stream_explorer_shows_a_players_expiring_lots(
    page: Page, server: harness.Server
) -> None:
    hour = await two_lots(server, "milo")
    await log_in(page, *ADMIN)
    await page.get_by_role("button", name="Operator").click()
    await page.get_by_label("Player (username or stream id)").fill("milo")
    await page.get_by_role("button", name="Show events").click()
    lots = page.locator("[data-stream-lots] li")
    await expect(lots).to_have_count(2)
    await expect(lots.first).to_have_attribute("data-expires", hour)
    await expect(lots.first).to_contain_text("40 Event Tokens")
