"""The operator's journey in a real browser against a real server: the economy dashboard, the
audit, the stream explorer and a correcting transfer with a reason."""

from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import ADMIN, Server

pytestmark = pytest.mark.xdist_group("e2e")
PASSWORD = "correct-horse-1"


async def seed_player(server: Server, username: str) -> dict[str, Any]:
    """A player who topped up 200 and bought a Treasure Box, through the API."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        created = await client.post("/signup", json={"username": username, "password": PASSWORD})
        assert created.status_code == 201, created.text
        login = await client.post("/login", json={"username": username, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        for path, body, key in (
            ("/top-up", {"amount": 200}, "seed-1"),
            ("/purchase", {"item": "treasure_box"}, "seed-2"),
        ):
            answer = await client.post(path, json=body, headers={"Idempotency-Key": key})
            assert answer.status_code == 200, answer.text
        wallet: dict[str, Any] = (await client.get("/balance")).json()
        return wallet


async def log_in(page: Page, username: str, password: str) -> None:
    form = page.locator('[data-form="login"]')
    await form.get_by_label("Username").fill(username)
    await form.get_by_label("Password").fill(password)
    await form.get_by_role("button", name="Log in").click()


async def test_operator_journey(page: Page, server: Server, screenshot: Any) -> None:
    wallet = await seed_player(server, "dave")
    assert wallet["balance"] == 150

    # Dashboard: supply per asset, the treasury, the chart, the projectors.
    await log_in(page, *ADMIN)
    await page.get_by_role("button", name="Operator").click()
    operator = page.locator('[data-section="operator"]')
    await expect(operator.get_by_role("heading", name="Economy")).to_be_focused()
    diamond = page.locator('[data-supply] tr[data-asset="diamond"]')
    await expect(diamond).to_contain_text("2,000,000,000")
    await expect(page.locator("[data-treasury]")).to_have_text("1,999,999,850 ◆")
    await expect(page.locator("[data-rate-chart] svg rect.bar")).to_have_count(30)
    await expect(page.locator("[data-rate-chart] figcaption")).to_contain_text("transfers")
    await expect(page.locator('[data-projectors] tr[data-projector="history"]')).to_be_visible()
    await expect(page.locator('[data-projectors] [data-status="failing"]')).to_have_count(0)

    # Rebuild a read model from the log while the service keeps serving.
    await page.get_by_role("button", name="Rebuild history").click()
    await expect(page.locator("[data-projectors-ok]")).to_contain_text("Rebuilding history")

    # Audit: every check in plain words, all holding.
    await page.get_by_role("button", name="Run the audit").click()
    await expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "pass")
    # 12 since issue 17 added `receipts`, 13 since issue 20 added `privileged_balances`,
    # 16 since issue 23 added `energies`, `lots` and `expiries`, 17 with `limits`
    await expect(page.locator('[data-check][data-passed="true"]')).to_have_count(17)
    await expect(page.locator('[data-check="hash_chain"]')).to_contain_text(
        "No event was changed or deleted"
    )

    # Stream explorer: every event of the player's stream with the state after it.
    await page.get_by_label("Player (username or stream id)").fill("dave")
    await page.get_by_role("button", name="Show events").click()
    events = page.locator("[data-stream-events] tr")
    await expect(events).to_have_count(3)
    await expect(events.nth(0)).to_contain_text("Account opened")
    await expect(events.nth(1)).to_contain_text("200 ◆")
    purchase = events.nth(2)
    await expect(purchase).to_contain_text("Purchase · Treasure Box")
    await expect(purchase).to_contain_text("150 ◆ · 1 Treasure Box")

    # A correcting transfer with a reason: the purchase is undone by a new transfer.
    await purchase.get_by_role("button", name="Reverse…").click()
    reason = page.get_by_label("Reason (kept on the ledger)")
    await expect(reason).to_be_focused()
    await reason.fill("refund: bought by mistake (ticket 42)")
    await page.get_by_role("button", name="Reverse this transfer").click()
    await expect(page.locator("[data-reverse-done]")).to_contain_text("the balance is now 200 ◆")
    await expect(page.locator('[data-form="reverse"]')).to_be_hidden()
    await expect(events).to_have_count(4)
    await expect(events.nth(3)).to_contain_text("refund: bought by mistake (ticket 42)")
    await expect(events.nth(3)).to_contain_text("200 ◆")
    await expect(events.nth(2)).to_contain_text("reversed")
    await expect(purchase.get_by_role("button", name="Reverse…")).to_have_count(0)

    # The correction is an ordinary balanced transfer: the audit still holds.
    verdict = page.locator("[data-verdict]")
    before = await verdict.text_content()
    await page.get_by_role("button", name="Run the audit").click()
    await expect(verdict).not_to_have_text(before or "")  # more events replayed this time
    await expect(verdict).to_have_attribute("data-verdict", "pass")
    # 12 since issue 17 added `receipts`, 13 since issue 20 added `privileged_balances`,
    # 16 since issue 23 added `energies`, `lots` and `expiries`, 17 with `limits`
    await expect(page.locator('[data-check][data-passed="true"]')).to_have_count(17)
    await screenshot(page, "operator")
