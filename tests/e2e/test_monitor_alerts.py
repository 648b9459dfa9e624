"""The operator console shows an alert for a firing monitor, its state and the freezes in force
(issue 24), in a real browser against a real server."""

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import ADMIN, Server
from tests.e2e.test_operator_journey import log_in, seed_player

pytestmark = pytest.mark.xdist_group("e2e")


async def test_a_firing_monitor_is_an_alert_in_the_console(page: Page, server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        login = await client.post("/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        monitor = {
            "name": "top-up-burst",
            "rule": {
                "kind": "transfers_rate",
                "code": "top_up",
                "windowSeconds": 600,
                "threshold": 0,
            },
            "action": "alert",
        }
        made = await client.post("/admin/monitors", json=monitor)
        assert made.status_code == 201, made.text
        frozen = {"scope": "asset", "target": "gold_coin", "reason": "duplicated coins"}
        placed = await client.post("/admin/freezes", json=frozen)
        assert placed.status_code == 201, placed.text
    await seed_player(server, "erin")

    await log_in(page, *ADMIN)
    await page.get_by_role("button", name="Operator").click()
    alert = page.locator("[data-monitor-alerts]")
    await expect(alert).to_contain_text("Monitor top-up-burst is firing", timeout=30_000)
    row = page.locator(f'[data-monitors] tr[data-monitor="{made.json()["monitorId"]}"]')
    await expect(row).to_contain_text("firing")
    await expect(page.locator("[data-freezes]")).to_contain_text("duplicated coins")
