"""A loopback TCP proxy that loses an answer: the SDK tests' dropped connection."""

import asyncio
import contextlib
from asyncio import StreamReader, StreamWriter


class DroppingProxy:
    """A loopback TCP proxy that, when armed, lets one request through and drops its answer."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.armed = False
        self.dropped = 0
        self.port = 0

    async def handle(self, client_r: StreamReader, client_w: StreamWriter) -> None:
        upstream_r, upstream_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pump(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, back: bool
        ) -> None:
            with contextlib.suppress(ConnectionError):
                while chunk := await reader.read(65536):
                    if back and self.armed:  # the service answered: the client never hears it
                        self.armed, self.dropped = False, self.dropped + 1
                        break
                    writer.write(chunk)
                    await writer.drain()
            client_w.transport.abort()
            upstream_w.transport.abort()

        await asyncio.gather(pump(client_r, upstream_w, False), pump(upstream_r, client_w, True))
