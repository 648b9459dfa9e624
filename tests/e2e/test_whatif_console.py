"""The operator uploads a candidate catalog in the console and reads the what-if report: the
same numbers as `POST /admin/whatif`, with the supply chart, in a real browser."""

import json
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import ADMIN, Server
from tests.e2e.test_operator_journey import log_in, seed_player

pytestmark = pytest.mark.xdist_group("e2e")

# The built-in catalog with the Treasure Box at twice its price.
CANDIDATE = {
    "items": [
        {"code": "gold_coin", "name": "Gold Coin", "price": 10},
        {"code": "treasure_box", "name": "Treasure Box", "price": 100},
    ]
}


async def test_the_console_replays_an_uploaded_catalog(
    page: Page, server: Server, screenshot: Any
) -> None:
    await seed_player(server, "wendy")  # 200 topped up, a box bought for 50
    await log_in(page, *ADMIN)
    await page.get_by_role("button", name="Operator").click()
    upload = page.get_by_label("Candidate catalog (the catalog.json format)")
    await upload.set_input_files(
        {"name": "candidate.json", "mimeType": "application/json",
         "buffer": json.dumps(CANDIDATE).encode()}
    )  # fmt: skip
    await page.get_by_role("button", name="Replay the demand").click()
    spent = page.locator('[data-whatif-result] tr[data-currency="diamond"][data-row="Spent"]')
    # other tests of the module may have bought more: the box costs twice as much, so the
    # candidate's spending on it doubles (or the purchase becomes unaffordable)
    await expect(spent).to_be_visible()
    box = page.locator('[data-whatif-result] tr[data-item="treasure_box"]')
    await expect(box).to_be_visible()
    await expect(page.locator("[data-whatif-result] svg polyline")).to_have_count(2)
    now = int((await spent.locator("td").nth(0).inner_text()).replace(",", ""))
    candidate = int((await spent.locator("td").nth(1).inner_text()).replace(",", ""))
    assert candidate > now
    await screenshot(page, "whatif")
