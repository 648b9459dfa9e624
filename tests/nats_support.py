"""A real nats-server with JetStream for the tests: the shared one on 127.0.0.1:4222 when it
answers, else one of our own on a free port with a temporary store (never a mock).

The shared server also serves other engineers' runs: every test uses its own stream name and
subject prefix (`feed_settings`) and deletes its stream afterwards.
"""

import asyncio
import contextlib
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import nats
import pytest
from nats.js.errors import NotFoundError

from harness.feed import answers
from harness.server import free_port
from infra.config import Settings

SHARED = "nats://127.0.0.1:4222"
BINARIES = ("nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server")


def binary() -> str:
    """The nats-server executable (make test installs Debian's package when it is missing)."""
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("nats-server is not installed: apt-get install nats-server")


class OwnServer:
    """A nats-server process of our own: its port and store survive stop() and start()."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.store = store
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start it (again) and wait until JetStream answers."""
        self.process = await asyncio.create_subprocess_exec(
            binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        async with asyncio.timeout(30):
            while not await answers(self.url):
                assert self.process.returncode is None, "nats-server exited"
                await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL if it lingers)."""
        if self.process is None:
            return
        process, self.process = self.process, None
        process.terminate()
        try:
            async with asyncio.timeout(20):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def own_server(store: Path) -> AsyncIterator[OwnServer]:
    """A private nats-server for the duration of the block."""
    server = OwnServer(store)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def unique_names() -> tuple[str, str]:
    """A stream name and subject prefix no other test (or engineer) uses."""
    tag = uuid.uuid4().hex[:12]
    return f"GLTEST_{tag}", f"gltest.{tag}"


async def delete_stream(url: str, stream: str) -> None:
    """Remove a test's stream (it may never have been created)."""
    client = await nats.connect(url, allow_reconnect=False)
    try:
        with contextlib.suppress(NotFoundError):
            await client.jetstream().delete_stream(stream)
    finally:
        await client.close()


@pytest.fixture(scope="session")
async def nats_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The shared server when it answers, else our own for the whole session."""
    if await answers(SHARED):
        yield SHARED
        return
    async with own_server(tmp_path_factory.mktemp("nats-store")) as server:
        yield server.url


@pytest.fixture
async def feed_settings(settings: Settings, nats_url: str) -> AsyncIterator[Settings]:
    """Test settings with the feed on, on a stream and subjects of this test's own."""
    stream, prefix = unique_names()
    yield msgspec.structs.replace(
        settings, nats_url=nats_url, nats_stream=stream, nats_subject_prefix=prefix
    )
    await delete_stream(nats_url, stream)
