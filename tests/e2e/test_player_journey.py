"""The player's journey in a real browser against a real server: signup with a referral code,
top-up, purchase, history, an error shown inline, and a double click that pays once."""

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, Route, expect

from tests.e2e.harness import ConsoleErrors, Server

pytestmark = pytest.mark.xdist_group("e2e")
PASSWORD = "correct-horse-1"
# The console's typography: a real multiplication sign and minus sign.
TIMES, MINUS = "\u00d7", "\u2212"


async def api_signup(server: Server, username: str) -> dict[str, Any]:
    """A player made through the API directly (the referrer of the journey)."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post("/signup", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


async def api_history(server: Server, username: str) -> list[dict[str, Any]]:
    """Every history entry of a player, as the API reports it (newest first)."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        login = await client.post("/login", json={"username": username, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        page = await client.get("/history", params={"limit": 100}, headers=headers)
        assert page.status_code == 200, page.text
        entries: list[dict[str, Any]] = page.json()["entries"]
        return entries


async def sign_up(page: Page, username: str, referral_code: str) -> None:
    form = page.locator('[data-form="signup"]')
    await form.get_by_label("Username").fill(username)
    await form.get_by_label("Password").fill(PASSWORD)
    await form.get_by_label("Referral code").fill(referral_code)
    await form.get_by_role("button", name="Sign up").click()


async def test_player_journey(
    page: Page, server: Server, console: ConsoleErrors, screenshot: Any
) -> None:
    referrer = await api_signup(server, "rita")
    balance = page.locator("[data-balance]")

    # Signup with a referral code: both players get the bonus; the wallet opens logged in.
    await sign_up(page, "alice", referrer["referralCode"])
    await expect(page.locator("[data-notice]")).to_contain_text("Welcome, alice")
    await expect(balance).to_have_text("50")
    await expect(page.locator("[data-username]")).to_have_text("alice")

    # Top-up with an amount: balance updates without a reload.
    await page.get_by_label("Amount of diamonds").fill("120")
    await page.get_by_role("button", name="Add diamonds").click()
    await expect(balance).to_have_text("170")

    # Purchase with a quantity: balance and inventory update.
    await page.get_by_label("Quantity of Gold Coin").fill("2")
    await page.get_by_role("button", name="Buy Gold Coin").click()
    await expect(balance).to_have_text("150")
    await expect(page.locator('[data-count="gold_coin"]')).to_have_text("2")

    # History: what moved and the balance after, newest first.
    rows = page.locator("[data-history] tr")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(0)).to_contain_text(f"Purchase · 2 {TIMES} Gold Coin")
    await expect(rows.nth(0)).to_contain_text(f"{MINUS}20 ◆")
    await expect(rows.nth(0)).to_contain_text("150 ◆")
    await expect(rows.nth(1)).to_contain_text("Top-up")
    await expect(rows.nth(2)).to_contain_text("Referral bonus")

    # An error shown inline from its problem details (never an alert).
    console.expected.add(422)
    await page.get_by_label("Quantity of Treasure Box").fill("4")
    await page.get_by_role("button", name="Buy Treasure Box").click()
    error = page.locator('[data-buy="treasure_box"] [data-error]')
    await expect(error).to_have_text(
        f"Not enough diamonds: you have 150, 4 {TIMES} Treasure Box cost 200."
    )
    await expect(balance).to_have_text("150")

    # A double click pays once: the button is disabled while the request is in flight.
    await page.get_by_label("Quantity of Treasure Box").fill("1")
    await page.get_by_role("button", name="Buy Treasure Box").dblclick()
    await expect(balance).to_have_text("100")
    await expect(page.locator('[data-count="treasure_box"]')).to_have_text("1")
    await expect(error).to_be_hidden()
    boxes = [e for e in await api_history(server, "alice") if e.get("item") == "treasure_box"]
    assert len(boxes) == 1, boxes
    await expect(rows).to_have_count(4)
    await screenshot(page, "player")


async def test_double_submit_in_one_tick_pays_once(page: Page, server: Server) -> None:
    """Two submits before the first request even starts: only one transfer happens."""
    await sign_up(page, "bob", "")
    await expect(page.locator("[data-balance]")).to_have_text("0")
    await page.get_by_label("Amount of diamonds").fill("30")
    await page.locator('[data-form="top-up"]').evaluate(
        "f => { f.requestSubmit(); f.requestSubmit(); }"
    )
    await expect(page.locator("[data-balance]")).to_have_text("30")
    top_ups = [e for e in await api_history(server, "bob") if e["code"] == "top_up"]
    assert len(top_ups) == 1, top_ups


async def test_lost_acknowledgement_is_retried_with_the_same_key(
    page: Page, server: Server, console: ConsoleErrors
) -> None:
    """The top-up reaches the ledger but its answer is lost; pressing again pays nothing more."""
    await sign_up(page, "erin", "")
    await expect(page.locator("[data-balance]")).to_have_text("0")
    keys: list[str] = []

    async def lose_first_answer(route: Route) -> None:
        keys.append(await route.request.header_value("idempotency-key") or "")
        if len(keys) == 1:
            await route.fetch()  # the server commits the top-up...
            await route.abort()  # ...and the browser never hears back
        else:
            await route.continue_()

    await page.route("**/top-up", lose_first_answer)
    console.allowed.add("net::ERR_FAILED")
    await page.get_by_label("Amount of diamonds").fill("40")
    await page.get_by_role("button", name="Add diamonds").click()
    await expect(page.locator('[data-form="top-up"] [data-error]')).to_contain_text(
        "Trying again is safe"
    )
    await page.get_by_role("button", name="Add diamonds").click()
    await expect(page.locator("[data-balance]")).to_have_text("40")
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", keys[0]
    )
    top_ups = [e for e in await api_history(server, "erin") if e["code"] == "top_up"]
    assert len(top_ups) == 1, top_ups

    # A new intent (another click after success) gets a new key.
    await page.get_by_role("button", name="Add diamonds").click()
    await expect(page.locator("[data-balance]")).to_have_text("80")
    assert len(keys) == 3
    assert keys[2] != keys[0]


async def test_log_out_forgets_the_token(page: Page, server: Server) -> None:
    """Logging out returns to the sign-in forms, nothing is left in web storage, and the server
    has revoked the token (a copy of it taken before is refused)."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.headers.get("authorization", "")))
    await sign_up(page, "carol", "")
    await expect(page.locator("[data-balance]")).to_have_text("0")
    stored = await page.evaluate("() => localStorage.length + sessionStorage.length")
    assert stored == 0
    bearer = next(header for header in sent if header.startswith("Bearer "))
    async with page.expect_response("**/logout") as logged_out:
        await page.get_by_role("button", name="Log out").click()
    assert (await logged_out.value).status == 204
    await expect(page.locator('[data-section="auth"]')).to_be_visible()
    await expect(page.locator("[data-notice]")).to_have_text("You are logged out.")
    async with httpx.AsyncClient(base_url=server.url) as client:
        stolen = await client.get("/balance", headers={"Authorization": bearer})
    assert stolen.status_code == 401


async def test_keyboard_only_phone_width_and_history_pages(page: Page, server: Server) -> None:
    """Log in with the keyboard alone on a phone-size screen; page through a long history."""
    await api_signup(server, "dana")
    async with httpx.AsyncClient(base_url=server.url) as client:
        login = await client.post("/login", json={"username": "dana", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        for n in range(12):
            key = {"Idempotency-Key": f"seed-{n}"}
            answer = await client.post("/top-up", json={"amount": n + 1}, headers=headers | key)
            assert answer.status_code == 200, answer.text
    await page.set_viewport_size({"width": 390, "height": 844})

    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.locator("#login-username")).to_be_focused()
    await page.keyboard.type("dana")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Wallet")).to_be_focused()
    await expect(page.locator("[data-balance]")).to_have_text("78")

    rows = page.locator("[data-history] tr")
    await expect(rows).to_have_count(10)
    await expect(rows.nth(0)).to_contain_text("+12 ◆")
    await page.get_by_role("button", name="Older →").click()
    await expect(rows).to_have_count(2)
    await expect(page.locator("[data-history-page]")).to_have_text("Page 2")
    await expect(rows.nth(1)).to_contain_text("+1 ◆")
    await expect(page.get_by_role("button", name="Older →")).to_be_disabled()
    await page.get_by_role("button", name="← Newer").click()
    await expect(rows.nth(0)).to_contain_text("+12 ◆")

    overflow = await page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
