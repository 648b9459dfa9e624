"""Retake the README's screenshots from the current console, over an economy with some history.

Run `.venv/bin/python -m tests.e2e.screenshots` from a checkout; it writes
docs/screenshots/{player,operator}.png. It starts `gameledger serve` (with the repository's
catalog.json, as `make run`) over a scratch database on TEST_DATABASE_URL's server (else the
embedded test server), seeds players who top up in two currencies, buy, gift and trade through
the API, photographs the player's wallet and the operator's dashboard after an audit in headless
Chromium, then stops the server and drops the database.
"""

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, async_playwright, expect

from harness.server import ROOT, ServeCommand, service_env
from infra import embedded
from tests.conftest import scratch_database
from tests.e2e.harness import ADMIN, CHROMIUM, CHROMIUM_ARGS, create_admin

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "correct-horse-1"
# Each player's writes: (path, body), in order.
ECONOMY: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "rita": [("/top-up", {"amount": 900}), ("/top-up", {"amount": 2000, "currency": "star"}),
             ("/purchase", {"item": "starter_pack"}), ("/purchase", {"item": "gem"})],
    "alice": [("/top-up", {"amount": 400}), ("/top-up", {"amount": 1200, "currency": "star"}),
              ("/purchase", {"item": "gold_coin", "quantity": 4}),
              ("/purchase", {"item": "treasure_box", "price": 1}),
              ("/purchase", {"item": "coin_pouch", "quantity": 2, "price": 0}),
              ("/items/coin_pouch/use", {"quantity": 1}),
              ("/transfers", {"to": "rita", "asset": "diamond", "amount": 25, "memo": "gg"})],
    "bob": [("/top-up", {"amount": 300}), ("/purchase", {"item": "gold_coin", "quantity": 6}),
            ("/trades", {"to": "alice", "give": {"gold_coin": 3}, "want": {"star": 120}})],
}  # fmt: skip


async def seed(base: str) -> None:
    """Sign the players up (alice with rita's code) and run their writes through the API."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        codes: dict[str, str] = {}
        for name, writes in ECONOMY.items():
            body = {"username": name, "password": PASSWORD, "referralCode": codes.get("rita")}
            created = await client.post("/signup", json=body)
            created.raise_for_status()
            codes[name] = created.json()["referralCode"]
            login = await client.post("/login", json={"username": name, "password": PASSWORD})
            auth = {"Authorization": f"Bearer {login.json()['token']}"}
            for n, (path, write) in enumerate(writes):
                key = {"Idempotency-Key": f"{name}-{n}"}
                answer = await client.post(path, json=write, headers=auth | key)
                answer.raise_for_status()


def game_server(env: dict[str, str]) -> None:
    """`gameledger admin create arena --role service` (password ADMIN's, from the env)."""
    cmd = [sys.executable, "-m", "cli.main", "admin", "create", "arena", "--role", "service"]
    subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=60, check=True)  # noqa: S603


async def place_hold(base: str) -> None:
    """A pending hold of 120 diamonds on rita's wallet, placed by the game server `arena`."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        login = await client.post("/login", json={"username": "arena", "password": ADMIN[1]})
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        hold = {
            "player": "rita",
            "asset": "diamond",
            "amount": 120,
            "expiresIn": 3600,
            "memo": "match 12 stake",
        }
        (await client.post("/holds", json=hold, headers=auth)).raise_for_status()


async def log_in(page: Page, username: str, password: str) -> None:
    """The console's login form."""
    form = page.locator('[data-form="login"]')
    await form.get_by_label("Username").fill(username)
    await form.get_by_label("Password").fill(password)
    await form.get_by_role("button", name="Log in").click()


async def photograph(base: str) -> None:
    """The player's wallet (alice) and the operator's dashboard after an audit."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, base_url=base, locale="en-GB"
        )
        page = await context.new_page()
        await page.goto("/")
        await log_in(page, "alice", PASSWORD)
        await expect(page.locator("[data-username]")).to_have_text("alice")
        await expect(page.locator("[data-history] tr").first).to_be_visible()
        await page.wait_for_timeout(500)
        await page.screenshot(path=str(OUT / "player.png"), full_page=True)
        page = await context.new_page()
        await page.goto("/")
        await log_in(page, *ADMIN)
        await page.get_by_role("button", name="Operator").click()
        await page.get_by_role("button", name="Run the audit").click()
        await expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "pass")
        await page.get_by_label("Player (username or stream id)").fill("alice")
        await page.get_by_role("button", name="Show events").click()
        await expect(page.locator("[data-stream-events] tr").first).to_be_visible()
        await page.wait_for_timeout(500)
        await page.screenshot(path=str(OUT / "operator.png"), full_page=True)
        await browser.close()


async def main() -> None:
    """A fresh database and server, the economy, the two pictures; everything stopped after."""
    started = not os.environ.get("TEST_DATABASE_URL") and not embedded.running("pg-test")
    server_dsn = os.environ.get("TEST_DATABASE_URL") or embedded.ensure_running("pg-test")
    try:
        await shoot(server_dsn)
    finally:
        if started:  # the embedded server this run started, and only that
            embedded.stop("pg-test")
    print(f"wrote {Path(OUT, 'player.png')} and {Path(OUT, 'operator.png')}")


async def shoot(server_dsn: str) -> None:
    """Serve a scratch database, seed it and take both pictures."""
    async with scratch_database(server_dsn, f"gl_e2e_{os.getpid()}_shots") as dsn:
        env = service_env(dsn, CATALOG_FILE=str(ROOT / "catalog.json"), WORKERS="1")
        env["GAMELEDGER_ADMIN_PASSWORD"] = ADMIN[1]
        server = ServeCommand(env)
        try:
            await server.start()
            await asyncio.to_thread(create_admin, env)
            await asyncio.to_thread(game_server, env)
            await seed(server.base)
            await place_hold(server.base)
            OUT.mkdir(parents=True, exist_ok=True)
            await photograph(server.base)
        finally:
            await server.kill()
            server.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
