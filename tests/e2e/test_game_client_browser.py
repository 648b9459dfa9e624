"""The shipped game client's flow in a real browser, cross-origin, as issue 12 requires.

The page (tests/e2e/game_client/) stands in for the studio's React client: it is served from
http://localhost:5173, the client's dev-server origin, and calls the API on another port through
an axios-like wrapper over `fetch`, showing `err.response.data.error` to the player. The API runs
with FRONTEND_URL unset, so what is tested is the default CORS policy. Port 5173 is fixed by the
client, so this module holds a single test: two of them could never run at once under xdist.
"""

import errno
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

from cli.main import prepare
from infra.config import load_settings
from tests.e2e import harness

pytestmark = pytest.mark.xdist_group("e2e")
CLIENT_DIR = Path(__file__).with_name("game_client")
CLIENT_PORT = 5173
CLIENT_URL = f"http://localhost:{CLIENT_PORT}"
PASSWORD = "correct-horse-1"


class _Handler(SimpleHTTPRequestHandler):
    """Static files of the game client; remembers the paths asked for, logs nothing."""

    served: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        self.served.append(self.path)


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _bind(server_class: type[ThreadingHTTPServer], host: str, served: list[str]) -> Any:
    handler = partial(type("Handler", (_Handler,), {"served": served}), directory=str(CLIENT_DIR))
    try:
        return server_class((host, CLIENT_PORT), handler)
    except OSError as error:
        if host == "::1" and error.errno in {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}:
            return None  # no IPv6 loopback: Chromium can only reach localhost over 127.0.0.1
        if error.errno != errno.EADDRINUSE:
            raise
    pytest.fail(
        f"port {CLIENT_PORT} on {host} is taken (a Vite dev server?): the game client's origin "
        "is fixed, so this test needs the port free"
    )


@contextmanager
def client_server() -> Iterator[list[str]]:
    """The game client on localhost:5173, over both loopbacks so no other server can answer."""
    served: list[str] = []
    with ExitStack() as stack:
        for server_class, host in ((ThreadingHTTPServer, "127.0.0.1"), (_IPv6Server, "::1")):
            server = _bind(server_class, host, served)
            if server is not None:
                stack.enter_context(server)  # closes the socket
                threading.Thread(target=server.serve_forever, daemon=True).start()
                stack.callback(server.shutdown)
        yield served


@pytest.fixture(scope="module")
async def api_server(e2e_dsn: str) -> AsyncIterator[harness.Server]:
    """The service with the default CORS origins (no admin needed)."""
    env = harness.server_env(e2e_dsn)
    # Empty reads as unset (load_settings) and also hides a FRONTEND_URL in a developer's .env.
    env["FRONTEND_URL"] = ""
    await prepare(e2e_dsn, load_settings(env))
    with harness.run_server(env) as running:
        yield running


async def submit(page: Page, form: str, **fields: str) -> None:
    """Fill the named fields of a form of the client and press its button."""
    scope = page.locator(f'[data-form="{form}"]')
    for name, value in fields.items():
        control = scope.locator(f'[name="{name}"]')
        if await control.evaluate("e => e.tagName") == "SELECT":
            await control.select_option(value)
        else:
            await control.fill(value)
    await scope.get_by_role("button").click()


async def problem_of(server: harness.Server, path: str, **body: Any) -> dict[str, Any]:
    """The problem document gina's request gets when made directly (a refusal changes nothing)."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        login = await client.post("/login", json={"username": "gina", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        answer = await client.post(path, json=body, headers=headers)
        assert answer.headers["content-type"] == "application/problem+json", answer.text
        document: dict[str, Any] = answer.json()
        return document


async def expect_wallet(page: Page, balance: int, gold: int, boxes: int) -> None:
    await expect(page.locator("[data-balance]")).to_have_text(str(balance))
    await expect(page.locator("[data-gold-coins]")).to_have_text(str(gold))
    await expect(page.locator("[data-treasure-boxes]")).to_have_text(str(boxes))


async def test_game_client_flow_cross_origin(
    browser: Browser, api_server: harness.Server, tmp_path: Path
) -> None:
    console = harness.ConsoleErrors()
    context = await browser.new_context(viewport={"width": 900, "height": 800}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = await context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    page.on("dialog", console.on_dialog)
    calls: list[Request] = []
    page.on("request", lambda r: calls.append(r) if r.url.startswith(api_server.url) else None)
    message = page.locator("[data-message]")
    with client_server() as served:
        await page.goto(f"{CLIENT_URL}/?api={api_server.url}")
        assert "/client.js" in served, served  # our page, not another server's
        assert await page.evaluate("location.origin") == CLIENT_URL

        await submit(page, "signup", username="gina", password=PASSWORD, referralCode="")
        await expect(message).to_have_text("Signed up as gina.")

        console.expected.add(401)
        await submit(page, "login", username="gina", password="not-her-password")
        await expect(message).to_have_text("The username or the password is wrong.")
        await submit(page, "login", username="gina", password=PASSWORD)
        await expect(message).to_contain_text("Logged in for")
        await expect_wallet(page, 0, 0, 0)

        await submit(page, "top-up", amount="120")
        await expect(message).to_have_text("Diamonds added.")
        await expect_wallet(page, 120, 0, 0)
        await submit(page, "purchase", item="gold_coin", quantity="2")
        await expect(message).to_have_text("Purchase complete.")
        await expect_wallet(page, 100, 2, 0)

        console.expected.add(422)
        await submit(page, "purchase", item="treasure_box", quantity="3")
        refused = await problem_of(api_server, "/purchase", item="treasure_box", quantity=3)
        assert refused["status"] == 422, refused
        assert "150" in refused["error"], refused
        assert "100" in refused["error"], refused
        await expect(message).to_have_text(refused["error"])
        await expect_wallet(page, 100, 2, 0)
        # Read by the page through `headers.get` off that 422: visible only as CORS exposes it.
        await expect(page.locator("[data-request-id]")).to_have_text(
            re.compile(r"^[A-Za-z0-9._-]{1,64}$")
        )
        await page.screenshot(path=str(tmp_path / "game-client.png"), full_page=True)
        # The network-level headers (Playwright's `headers` leaves Origin out).
        origins = {(await call.all_headers()).get("origin") for call in calls}
    await context.close()
    paths = [c.url.removeprefix(api_server.url) for c in calls]
    assert paths == [
        "/signup", "/login", "/login", "/balance", "/top-up", "/balance",
        "/purchase", "/balance", "/purchase",
    ]  # fmt: skip
    assert origins == {CLIENT_URL}, origins  # every API call was cross-origin, from the client
    assert console.unexpected() == [], "console errors on the page"
