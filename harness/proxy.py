"""A TCP fault proxy between the service and PostgreSQL (asyncio, loopback only).

Modes: `pass`; `blackhole` (nothing moves either way until it heals, as when packets are
dropped and TCP keeps retransmitting); `reset` (every connection, live or new, is reset);
`latency` (each chunk waits `delay` seconds). With `lose_acks`, a statement that writes the
ledger runs and commits, then its acknowledgement is swallowed and both sides are reset.
"""

import asyncio
import contextlib
import socket
import struct
from typing import Literal

from harness.wire import Frames, WriteSpotter, ready_status, upstream_of

Mode = Literal["pass", "blackhole", "reset", "latency"]
LEDGER_WRITES = (b"INSERT INTO EVENTS",)
# The write statement of infra/eventstore.py (`_APPEND_BATCH`, every command, alone or in a
# group) names its commands' idempotency keys in $8, a text[] (after the callers' $6 and the
# scopes' $7): the proxy reads them to say how many keys each dropped acknowledgement covered.
GROUP_KEYS = (b"$8::TEXT[]", 7)


class FaultProxy:
    """Listens on a loopback port and forwards to the database of `dsn`."""

    def __init__(self, dsn: str, delay: float = 0.2) -> None:
        self.upstream = upstream_of(dsn)
        self.delay = delay
        self.mode: Mode = "pass"
        self.lose_acks = False
        self.links: set[Link] = set()
        self.counts = {"connections": 0, "resets": 0, "acks_dropped": 0}
        self.dropped_keys: list[list[str]] = []  # the keys of each commit whose ack was dropped
        self._healed = asyncio.Event()
        self._healed.set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        """Listen; the port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening and reset whatever is still connected."""
        self.set_mode("pass")
        if self._server is not None:
            self._server.close()
        for link in list(self.links):
            link.abort()

    def set_mode(self, mode: Mode) -> None:
        """Switch mode; `reset` also resets every live connection."""
        self.mode = mode
        if mode == "blackhole":
            self._healed.clear()
        else:
            self._healed.set()
        if mode == "reset":
            for link in list(self.links):
                link.abort()
                self.counts["resets"] += 1

    async def gate(self) -> None:
        """Where a chunk waits: until a black hole heals, plus the latency."""
        await self._healed.wait()
        if self.mode == "latency":
            await asyncio.sleep(self.delay)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts["connections"] += 1
        if self.mode == "reset":
            self.counts["resets"] += 1
            _reset(writer)
            return
        link = Link(self, reader, writer)
        self.links.add(link)
        try:
            await link.run()
        finally:
            self.links.discard(link)


class Link:
    """One client connection and its upstream connection."""

    def __init__(
        self, proxy: FaultProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.proxy = proxy
        self.client = (reader, writer)
        self.server: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.backend = Frames()
        self.spotter = WriteSpotter(LEDGER_WRITES, self.backend, GROUP_KEYS)
        self.keys: list[str] = []  # the idempotency keys written since the answers were held
        self.holding = False  # answers held back: they may acknowledge a commit
        self.write_txn = False  # a transaction that wrote the ledger is open
        self.held = bytearray()
        self.failed = False  # an error came back since the write: nothing was committed
        self.aborted = False

    async def run(self) -> None:
        """Connect upstream and pump both ways until either side ends."""
        await self.proxy.gate()
        try:
            self.server = await _open(self.proxy.upstream)
        except OSError:
            self.abort()
            return
        if self.aborted:
            self.abort()
            return
        pumps = [asyncio.create_task(self._frontend()), asyncio.create_task(self._backend())]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self.close()

    async def _frontend(self) -> None:
        assert self.server is not None
        while data := await self.client[0].read(65536):
            await self.proxy.gate()
            write, commit = self.spotter.feed(data)
            if self.proxy.lose_acks and (write or (commit and self.write_txn)):
                self.holding = True  # hold the answer until we know it acknowledges a commit
                if write:
                    self.keys += self.spotter.last_keys
            self.server[1].write(data)
            await self.server[1].drain()

    async def _backend(self) -> None:
        assert self.server is not None
        while data := await self.server[0].read(65536):
            await self.proxy.gate()
            out = bytearray()
            for kind, raw in self.backend.feed(data):
                if not self.holding:
                    out += raw
                    if kind == b"Z" and ready_status(raw) != b"T":
                        self.write_txn = False
                    continue
                self.held += raw
                self.failed |= kind == b"E"
                if kind == b"Z":
                    status = ready_status(raw)
                    if status == b"I" and not self.failed:  # committed: lose the ack
                        self.proxy.counts["acks_dropped"] += 1
                        self.proxy.dropped_keys.append(self.keys)
                        self.abort()
                        return
                    out += self.held
                    self.held.clear()
                    self.holding = self.failed = False
                    self.write_txn = status == b"T"  # the write waits for its COMMIT
                    if not self.write_txn:
                        self.keys = []
            self.client[1].write(out)
            await self.client[1].drain()

    def abort(self) -> None:
        """Reset both sides (RST, no goodbye)."""
        self.aborted = True
        _reset(self.client[1])
        if self.server is not None:
            _reset(self.server[1])

    def close(self) -> None:
        """Close both sides politely (one ended)."""
        for writer in (self.client[1], self.server[1] if self.server else None):
            if writer is not None:
                writer.close()


async def _open(
    upstream: tuple[str, int] | str,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if isinstance(upstream, str):
        return await asyncio.open_unix_connection(upstream)
    return await asyncio.open_connection(*upstream)


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
