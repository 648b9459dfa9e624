"""The console's energies (issue 23) over the example catalog: the wallet shows stamina with its
refill countdown, spending lowers it and starts the countdown, a match entry is bought with it,
and the operator's stream explorer shows the meter each event left."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page, expect

from cli.main import prepare
from infra.config import load_settings
from tests.catalogs import EXAMPLE_FILE
from tests.e2e import harness
from tests.e2e.test_player_journey import sign_up

pytestmark = pytest.mark.xdist_group("e2e")


@pytest.fixture(scope="module")
async def server(e2e_dsn: str) -> AsyncIterator[harness.Server]:
    """The service serving the example catalog, as `make run` does."""
    env = {**harness.server_env(e2e_dsn), "CATALOG_FILE": str(EXAMPLE_FILE)}
    await prepare(e2e_dsn, load_settings(env))
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
