"""The console's energies (issue 23) over the example catalog: the wallet shows stamina with its
refill countdown, spending lowers it and starts the countdown, a match entry is bought with it,
and the operator's stream explorer shows the meter each event left."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from cli.main import prepare
from infra.config import load_settings
from tests.catalogs import EXAMPLE_FILE
from tests.e2e import harness
from tests.e2e.harness import ADMIN
from tests.e2e.test_operator_journey import PASSWORD, log_in
from tests.e2e.test_player_journey import sign_up

pytestmark = pytest.mark.xdist_group("e2e")


@pytest.fixture(scope="module")
async def server(e2e_dsn: str) -> AsyncIterator[harness.Server]:
    """The service serving the example catalog, as `make run` does, with an admin account."""
    env = {**harness.server_env(e2e_dsn), "CATALOG_FILE": str(EXAMPLE_FILE)}
    await prepare(e2e_dsn, load_settings(env))
    harness.create_admin(env)
    with harness.run_server(env) as running:
        yield running


async def test_stamina_counts_down_to_its_refill_and_is_spent(page: Page, console: Any) -> None:
    await sign_up(page, "enzo", "")
    await expect(page.locator("[data-username]")).to_have_text("enzo")
    await expect(page.locator('[data-current="stamina"]')).to_have_text("100 / 100")
    await expect(page.locator('[data-refill="stamina"]')).to_have_text("Full")

    await page.get_by_label("Amount of Stamina").fill("30")
    await page.get_by_role("button", name="Spend Stamina").click()
    await expect(page.locator('[data-current="stamina"]')).to_have_text("70 / 100")
    await expect(page.locator("[data-energy-result]")).to_have_text("Stamina is now 70 of 100.")
    refill = page.locator('[data-refill="stamina"]')
    await expect(refill).to_contain_text("+1 refill in 4:")  # ticking down from 5:00
    first = await refill.text_content()
    await expect(refill).not_to_have_text(first or "")  # a second later it says less

    await page.get_by_role("button", name="Buy Match Entry").click()
    await expect(page.locator('[data-current="stamina"]')).to_have_text("60 / 100")
    await expect(page.locator('[data-count="match_entry"]')).to_have_text("1")


async def test_the_operator_sees_a_players_energies_in_the_stream_explorer(
    page: Page, server: harness.Server
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        body = {"username": "nora", "password": PASSWORD}
        assert (await client.post("/signup", json=body)).status_code == 201
        token = (await client.post("/login", json=body)).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        spent = await client.post("/energies/stamina/spend", json={"amount": 30})
        assert spent.status_code == 200, spent.text

    await log_in(page, *ADMIN)
    await page.get_by_role("button", name="Operator").click()
    await page.get_by_label("Player (username or stream id)").fill("nora")
    await page.get_by_role("button", name="Show events").click()
    events = page.locator("[data-stream-events] tr")
    await expect(events).to_have_count(2)
    await expect(events.nth(1)).to_contain_text("Energy spent")
    await expect(events.nth(1).locator("[data-energies]")).to_have_text("Stamina 70")
