"""A local HTTP receiver for the webhook tests: records each request, answers as scripted."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class Received:
    """One request as it arrived."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers `statuses` in turn (the last one forever); holds answers while `gate` is clear."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one request, wait for the gate, answer with the next scripted status."""
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")[1:]
            pairs = (line.partition(":") for line in lines if line)
            headers = {name.strip().lower(): value.strip() for name, _, value in pairs}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(headers, body))
            self.arrived.set()
            await self.gate.wait()
            status = self.statuses[min(len(self.requests) - 1, len(self.statuses) - 1)]
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        writer.close()

    async def wait_for(self, count: int) -> None:
        """Until `count` requests arrived (a hang guard, not a speed check)."""
        async with asyncio.timeout(60):
            while len(self.requests) < count:
                self.arrived.clear()
                await self.arrived.wait()


@contextlib.asynccontextmanager
async def receiving(statuses: list[int], open_gate: bool = True) -> AsyncIterator[Receiver]:
    """A receiver on a free loopback port for the duration of the block."""
    receiver = Receiver(statuses=statuses)
    if open_gate:
        receiver.gate.set()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        receiver.gate.set()
        server.close()
        await server.wait_closed()
