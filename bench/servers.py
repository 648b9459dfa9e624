"""Start and stop an ASGI app in worker processes on a free loopback port."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from api.http.server import UVICORN_ARGS


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout}s")


@contextmanager
def serving(
    factory: str, env: dict[str, str], *, workers: int, ready_path: str
) -> Iterator[tuple[str, int]]:
    """Run `uvicorn factory` and yield its base URL and pid; SIGTERM on exit."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            *UVICORN_ARGS,
        ],
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base + ready_path, process)
        yield base, process.pid
    finally:
        stop(process)


@contextmanager
def projecting(env: dict[str, str]) -> Iterator[int]:
    """Run `gameledger project` (the projectors and the sweeper) and yield its pid; SIGTERM
    on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "project"], env={**os.environ, **env}
    )
    try:
        yield process.pid
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a bounded wait for a graceful exit, then SIGKILL."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
