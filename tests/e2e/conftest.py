"""Fixtures of the browser tests: headless Chromium (Debian's package), a real server over a
fresh database, and a page that records every console error.

No browser is downloaded: Playwright drives /usr/bin/chromium. Where it is missing the tests
fail with a message saying how to install it; they never skip.
"""

import itertools
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cli.main import prepare
from infra.config import load_settings
from tests.e2e import harness

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

SCREENSHOTS = os.environ.get("GAMELEDGER_SCREENSHOTS")  # a folder: write the README's pictures
_modules = itertools.count()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator["Browser"]:
    """Headless Chromium from Debian's `chromium` package, driven by Playwright."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("the `playwright` package is missing: run `.venv/bin/pip install -e '.[dev]'`")
    if not harness.CHROMIUM.exists():
        pytest.fail(
            f"{harness.CHROMIUM} is missing: the browser tests need Debian's chromium package "
            "(`make tools`, or `apt-get install -y chromium`)"
        )
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="module")
async def e2e_dsn(server_dsn: str, template_db: str) -> AsyncIterator[str]:
    """A fresh database for one test module (its tests use distinct players)."""
    name = f"gl_e2e_{os.getpid()}_{next(_modules)}"
    async with harness.database(server_dsn, name, template_db) as dsn:
        yield dsn


@pytest.fixture(scope="module")
async def server(e2e_dsn: str) -> AsyncIterator[harness.Server]:
    """The service in its own process over a fresh, seeded database, with an admin account.

    One per module: starting a server and making the admin through the CLI costs seconds.
    """
    env = harness.server_env(e2e_dsn)
    await prepare(e2e_dsn, load_settings(env))
    harness.create_admin(env)
    with harness.run_server(env) as running:
        yield running


@pytest.fixture
async def console() -> harness.ConsoleErrors:
    """The console errors (and dialogs) of the test's page."""
    return harness.ConsoleErrors()


@pytest.fixture
async def page(
    browser: "Browser", server: harness.Server, console: harness.ConsoleErrors
) -> AsyncIterator["Page"]:
    """A fresh desktop-size page on the console; no unexpected console error may occur."""
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=server.url, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    opened = await context.new_page()
    opened.on("console", console.on_console)
    opened.on("pageerror", console.on_page_error)
    opened.on("dialog", console.on_dialog)  # the console never uses alert() or confirm()
    await opened.goto("/")
    yield opened
    await context.close()
    assert console.unexpected() == [], "console errors on the page"


@pytest.fixture
def screenshot() -> Any:
    """`await screenshot(page, name)`: a README picture, only when GAMELEDGER_SCREENSHOTS is set."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)

    async def take(page: "Page", name: str) -> None:
        if folder:
            await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take
