"""The player economy in a real browser: an incoming trade offer accepted, held amounts in the
wallet, and the operator voiding a pending hold from the list of what is set aside."""

import asyncio
import sys
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import ADMIN, ROOT, ConsoleErrors, Server
from tests.e2e.test_operator_journey import log_in

pytestmark = pytest.mark.xdist_group("e2e")
PASSWORD = "correct-horse-1"


async def player(client: httpx.AsyncClient, username: str, coins: int = 0) -> dict[str, str]:
    """A player with 100 diamonds (less `coins` gold coins bought); its auth header."""
    created = await client.post("/signup", json={"username": username, "password": PASSWORD})
    assert created.status_code == 201, created.text
    login = await client.post("/login", json={"username": username, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    assert (await client.post("/top-up", json={}, headers=auth)).status_code == 200
    if coins:
        body = {"item": "gold_coin", "quantity": coins}
        assert (await client.post("/purchase", json=body, headers=auth)).status_code == 200
    return auth


async def until(client: httpx.AsyncClient, path: str, auth: dict[str, str], seen: Any) -> None:
    """Until GET `path` answers what `seen` accepts (the read models trail the writes)."""
    for _ in range(200):
        reply = await client.get(path, headers=auth)
        if reply.status_code == 200 and seen(reply.json()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never showed it")


async def admin_auth(client: httpx.AsyncClient) -> dict[str, str]:
    login = await client.post("/login", json={"username": ADMIN[0], "password": ADMIN[1]})
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def test_a_player_accepts_an_incoming_offer(page: Page, server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        seller = await player(client, "sam", coins=2)
        buyer = await player(client, "pia")
        offer = {"to": "pia", "give": {"gold_coin": 2}, "want": {"diamond": 30}}
        assert (await client.post("/trades", json=offer, headers=seller)).status_code == 201
        await until(client, "/trades?status=open", buyer, lambda body: body["trades"])

    await log_in(page, "pia", PASSWORD)
    offers = page.locator("[data-offers] li")
    await expect(offers).to_have_count(1)
    await expect(offers.first).to_contain_text("sam offers 2 Gold Coin for 30 ◆")
    await page.get_by_role("button", name="Accept the offer from sam").click()
    await expect(page.locator("[data-offers-ok]")).to_contain_text("Traded with sam")
    await expect(page.locator("[data-balance]")).to_have_text("70")
    await expect(page.locator('[data-count="gold_coin"]')).to_have_text("2")
    await expect(offers).to_have_count(0)


async def test_the_wallet_shows_what_holds_and_offers_set_aside(page: Page, server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        staker = await player(client, "stella", coins=1)
        await player(client, "otto")
        hold = {"player": "stella", "asset": "diamond", "amount": 40, "expiresIn": 600}
        placed = await client.post("/holds", json=hold, headers=await admin_auth(client))
        assert placed.status_code == 201, placed.text
        offer = {"to": "otto", "give": {"gold_coin": 1}, "want": {"diamond": 5}}
        assert (await client.post("/trades", json=offer, headers=staker)).status_code == 201
        held = {"diamond": 40, "gold_coin": 1}
        await until(client, "/balance", staker, lambda body: body["held"] == held)

    await log_in(page, "stella", PASSWORD)
    await expect(page.locator('[data-held="diamond"]')).to_have_text("40 ◆")
    await expect(page.locator('[data-held="gold_coin"]')).to_have_text("1 Gold Coin")
    await expect(page.locator("[data-balance]")).to_have_text("50")


async def game_server(server: Server, name: str) -> dict[str, str]:
    """A `service` account made with the CLI (the admin's password); its auth header."""
    made = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "cli.main", "admin", "create", name, "--role", "service"),
        cwd=ROOT,
        env=server.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    said, _ = await asyncio.wait_for(made.communicate(), 60)
    assert made.returncode == 0, said.decode()
    async with httpx.AsyncClient(base_url=server.url) as client:
        login = await client.post("/login", json={"username": name, "password": ADMIN[1]})
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def test_the_operator_voids_a_pending_hold(
    page: Page, server: Server, console: ConsoleErrors
) -> None:
    arena = await game_server(server, "arena")
    async with httpx.AsyncClient(base_url=server.url) as client:
        staked = await player(client, "vic")
        admin = await admin_auth(client)
        body = {"player": "vic", "asset": "diamond", "amount": 60, "expiresIn": 600, "memo": "m9"}
        hold = (await client.post("/holds", json=body, headers=arena)).json()

        def listed(escrow: dict[str, Any]) -> bool:  # this hold: the server keeps earlier ones
            return hold["holdId"] in {h["holdId"] for h in escrow["holds"]}

        await until(client, "/admin/escrow", admin, listed)

        await log_in(page, *ADMIN)
        await page.get_by_role("button", name="Operator").click()
        row = page.locator(f'[data-open-holds] tr[data-hold="{hold["holdId"]}"]')
        await expect(row).to_contain_text("vic")
        await expect(row).to_contain_text("m9")
        # A game server's hold: the operator says why, or the void is refused inline.
        console.expected.add(422)
        await row.get_by_role("button", name="Void the hold of vic").click()
        await expect(page.locator("[data-escrow-error]")).to_contain_text("must give a reason")
        await page.get_by_label("Reason for a void").fill("arena crashed mid-match")
        await row.get_by_role("button", name="Void the hold of vic").click()
        await expect(page.locator("[data-escrow-ok]")).to_contain_text("Voided the hold of vic")
        await expect(row).to_have_count(0)
        await until(client, "/balance", staked, lambda w: (w["balance"], w["held"]) == (100, {}))
