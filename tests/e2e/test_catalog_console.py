"""The console over the two-currency example catalog (what `make run` serves): the wallet shows
each currency, the shop each price option, and a box opens into its drop."""

import re
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


async def test_wallet_shows_each_currency_and_the_shop_each_price_and_a_box_opens(
    page: Page, screenshot: Any
) -> None:
    await sign_up(page, "stella", "")
    await expect(page.locator("[data-username]")).to_have_text("stella")
    await page.get_by_label("Amount of diamonds").fill("200")
    await page.get_by_role("button", name="Add diamonds").click()
    await expect(page.locator("[data-balance]")).to_have_text("200")
    await page.get_by_label("Amount of diamonds").fill("500")
    await page.get_by_label("Currency", exact=True).select_option("star")
    await page.get_by_role("button", name="Add stars").click()
    await expect(page.locator('[data-amount="star"]')).to_have_text("500")
    await expect(page.locator('[data-amount="diamond"]')).to_have_text("200")

    # Every price option of the box, and buying at the mixed one.
    options = page.get_by_label("Price of Treasure Box").locator("option")
    await expect(options).to_have_text(["◆ 50", "★ 400", "◆ 20 + ★ 150"])
    await page.get_by_label("Price of Treasure Box").select_option(label="◆ 20 + ★ 150")
    await page.get_by_role("button", name="Buy Treasure Box").click()
    await expect(page.locator("[data-balance]")).to_have_text("180")
    await expect(page.locator('[data-amount="star"]')).to_have_text("350")
    await expect(page.locator('[data-count="treasure_box"]')).to_have_text("1")

    # Opening it: the box is burnt and its drop is named. The purchase's follow-up reads
    # (wallet, offers, history) re-render the inventory; a click while they land can hit the
    # button being replaced, so let them finish first.
    await page.wait_for_load_state("networkidle")
    await page.get_by_role("button", name="Open Treasure Box").click()
    await expect(page.locator("[data-use-result]")).to_contain_text("Opened Treasure Box:")
    await expect(page.locator('[data-count="treasure_box"]')).to_have_text("0")
    await screenshot(page, "catalog")


async def test_the_shop_shows_an_offers_countdown_and_the_players_remaining_count(
    page: Page,
) -> None:
    await sign_up(page, "wendy", "")
    await expect(page.locator("[data-username]")).to_have_text("wendy")
    await page.get_by_label("Amount of diamonds").fill("300")
    await page.get_by_role("button", name="Add diamonds").click()
    await expect(page.locator("[data-balance]")).to_have_text("300")

    # The Winter Bundle is on offer until 2030, once per player.
    offer = page.locator('[data-offer="winter_bundle"]')
    await expect(offer.locator("[data-countdown]")).to_have_text(
        re.compile(r"^Ends in \d+ d \d+ h$")
    )
    await expect(offer.locator("[data-remaining]")).to_have_text("1 of 1 left")
    await expect(page.locator('[data-offer="gold_coin"]')).to_have_count(0)  # no window, no limit

    await page.get_by_role("button", name="Buy Winter Bundle").click()
    await expect(page.locator("[data-balance]")).to_have_text("150")
    await expect(page.locator('[data-count="gold_coin"]')).to_have_text("20")
    await expect(offer.locator("[data-remaining]")).to_have_text("Limit reached")
    await expect(page.get_by_role("button", name="Buy Winter Bundle")).to_be_disabled()
