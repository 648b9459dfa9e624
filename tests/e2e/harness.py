"""A real server for the browser tests: uvicorn in a subprocess on a free loopback port, over
the test's own database, plus an admin account made the way an operator makes one."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from api.http.server import UVICORN_ARGS
from tests.conftest import scratch_database

if TYPE_CHECKING:
    from playwright.async_api import ConsoleMessage, Dialog

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A fixed test secret (>= 32 bytes): never used outside these tests.
JWT_SECRET = "e2e-test-secret-0123456789abcdef-0123456789abcdef"
ADMIN = ("operator", "operator-password-1")
STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class Server:
    """A running service: its base URL and the environment it was started with."""

    url: str
    env: dict[str, str]


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(dsn: str) -> dict[str, str]:
    """The service's environment: the test database, a test secret, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        GAMELEDGER_DSN=dsn,
        DATABASE_URL=dsn,
        JWT_SECRET=JWT_SECRET,
        GAMELEDGER_ENV="test",
        LOG_LEVEL="WARNING",
        GAMELEDGER_ADMIN_PASSWORD=ADMIN[1],
    )
    return env


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"the server did not answer /health within {STARTUP_SECONDS}s:\n{log.read_text()}"
    )


@contextmanager
def run_server(env: dict[str, str]) -> Iterator[Server]:
    """uvicorn serving tests.e2e.app:create_app until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.e2e.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        *UVICORN_ARGS,
    ]
    with tempfile.NamedTemporaryFile(prefix="gameledger-e2e-", suffix=".log", delete=False) as out:
        log = Path(out.name)
        # S603: a fixed command line of our own, no shell.
        process = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(url, process, log)
        yield Server(url=url, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def database(server_dsn: str, name: str, template: str) -> AbstractAsyncContextManager[str]:
    """A database cloned from the migrated template, dropped afterwards."""
    return scratch_database(server_dsn, name, template)


def create_admin(env: dict[str, str]) -> None:
    """`gameledger admin create operator`, the password from GAMELEDGER_ADMIN_PASSWORD."""
    cmd = [sys.executable, "-m", "cli.main", "admin", "create", ADMIN[0]]
    done = subprocess.run(  # noqa: S603 - a fixed command line of our own, no shell
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"admin create failed ({done.returncode}): {done.stderr or done.stdout}")


class ConsoleErrors:
    """Every console error and uncaught exception of a page.

    Chromium logs each HTTP error answer as "Failed to load resource: ... status of 422": a test
    that provokes one on purpose names the status in `expected`; anything else is a failure.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.expected: set[int] = set()
        self.allowed: set[str] = set()  # other messages a test provokes on purpose

    def on_console(self, message: "ConsoleMessage") -> None:
        if message.type == "error":
            self.messages.append(f"{message.text} @ {message.location.get('url', '')}")

    def on_page_error(self, error: Any) -> None:
        self.messages.append(f"uncaught: {error}")

    async def on_dialog(self, dialog: "Dialog") -> None:
        self.messages.append(f"dialog: {dialog.message}")
        await dialog.dismiss()

    def unexpected(self) -> list[str]:
        allowed = {f"the server responded with a status of {s} " for s in self.expected}
        allowed |= self.allowed
        return [m for m in self.messages if not any(a in m for a in allowed)]
