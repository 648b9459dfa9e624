"""A real service process under test: uvicorn on a free loopback port, killable and restartable.

The port stays the same across restarts, so clients keep their base URL through a kill -9.
"""

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from api.http.server import UVICORN_ARGS
from harness import processes

ROOT = Path(__file__).resolve().parents[1]
# The real app with cheap password hashing and relaxed throttles (see harness/app.py).
SCENARIO_APP = "harness.app:create_scenario_app"
PRODUCTION_APP = "api.http.app:create_app"
JWT_SECRET = "scenario-secret-" + "x" * 48  # throwaway servers on loopback


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(dsn: str, **extra: str) -> dict[str, str]:
    """The environment of a service process on `dsn` (extra variables override)."""
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "GAMELEDGER_DSN": dsn,
        "JWT_SECRET": JWT_SECRET,
        "GAMELEDGER_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "console",
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "20",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


class ServerProcess:
    """One uvicorn process serving `factory`; start, SIGKILL and restart it at will.

    `wrapper` is a command the process runs under (e.g. `faketime -f +1h`).
    """

    def __init__(
        self, env: dict[str, str], factory: str = SCENARIO_APP, wrapper: tuple[str, ...] = ()
    ) -> None:
        self.env = env
        self.factory = factory
        self.wrapper = wrapper
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix="gameledger-scenario-", suffix=".log", delete=False
        )
        self.log_path = Path(self._log.name)
        self.starts = 0

    async def start(self, ready_timeout: float = 60.0) -> float:
        """Start the process and wait for /health to answer 200; the seconds it took."""
        began = time.monotonic()
        self.process = await processes.spawn(
            *self.wrapper, sys.executable, "-m", "uvicorn", self.factory, "--factory",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "warning", "--no-access-log", "--timeout-graceful-shutdown", "5",
            *UVICORN_ARGS,
            cwd=ROOT, env=self.env, stdout=self._log, stderr=self._log,
        )  # fmt: skip
        self.starts += 1
        await self.wait_ready(ready_timeout)
        return time.monotonic() - began

    async def wait_ready(self, patience: float) -> None:
        """Until GET /health answers 200 (RuntimeError if the process dies or time runs out)."""
        deadline = time.monotonic() + patience
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.returncode is not None:
                    raise RuntimeError(f"server exited ({self.process.returncode}): {self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.base + "/health")).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"server not ready within {patience:.0f}s: {self.tail()}")

    async def kill(self) -> None:
        """SIGKILL (the wrapper too, if any): no shutdown hooks, no goodbye to PostgreSQL."""
        if self.process is not None:
            await processes.kill(self.process)

    async def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 20 s)."""
        if self.process is not None:
            await processes.stop(self.process)

    def tail(self, lines: int = 30) -> str:
        """The end of the server's log, for failure messages."""
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def close(self) -> None:
        """Remove the log file."""
        self._log.close()
        self.log_path.unlink(missing_ok=True)


class ServeCommand(ServerProcess):
    """`gameledger serve` itself (not bare uvicorn): its signals, server and sockets."""

    async def start(self, ready_timeout: float = 60.0) -> float:
        """Start `gameledger serve` on this port and wait for /health to answer 200."""
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli.main", "serve", cwd=ROOT, env=env,
            stdout=self._log, stderr=self._log)  # fmt: skip
        await self.wait_ready(ready_timeout)
        return 0.0


@contextlib.asynccontextmanager
async def serving(env: dict[str, str], factory: str = SCENARIO_APP) -> AsyncIterator[ServerProcess]:
    """A started server, stopped (and its log removed) at the end."""
    server = ServerProcess(env, factory)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        server.close()
