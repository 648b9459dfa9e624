"""The HTTP server: uvicorn's httptools protocol with bounded request heads, and how to run it.

uvicorn's httptools protocol puts no bound on a request's headers: the parser's binding grows
each header value chunk by chunk, so 50 MB of headers lift a worker by about 200 MB before any
answer (issue 20; the comparison with h11, granian and hypercorn is in docs/performance.md).
This protocol counts the bytes of each request head as they arrive, before the parser sees
them. A request line over 8 KiB answers 414, and a head (request line and headers) over
MAX_HEADER_BYTES answers 431, both with a problem document, and the connection is closed: what
was never fed to the parser was never held.
"""

import functools
import re
import socket
from typing import Any

import msgspec
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from api.http.problems import MEDIA_TYPE, Problem
from infra.config import Settings, load_settings

PROTOCOL = "api.http.server:BoundedHttpProtocol"  # uvicorn's `--http` (an import string: workers)
# How long an idle keep-alive connection stays open. Longer than the clients' own pool expiry
# (httpx and .NET 5 s and up, Node 4 s, load balancers 60 s), so a client never sends on a
# connection the server is closing at that moment: that race loses the request with no answer
# (uvicorn's default is 5 s, the same as httpx's). 75 s is nginx's default.
KEEP_ALIVE_SECONDS = 75
# What every `python -m uvicorn` of the app adds (harness, bench, tests): the server of `serve`.
UVICORN_ARGS = (
    "--http", PROTOCOL, "--no-server-header", "--timeout-keep-alive", str(KEEP_ALIVE_SECONDS),
)  # fmt: skip
MAX_REQUEST_LINE = 8192
_END_OF_HEAD = re.compile(rb"\r?\n\r?\n")

_REFUSALS = {
    414: Problem(
        type="request-line-too-long",
        title="The request line is too long",
        status=414,
        detail=f"the request line is longer than {MAX_REQUEST_LINE} bytes",
        error=f"The request's address is too long (at most {MAX_REQUEST_LINE} bytes).",
    ),
    431: Problem(
        type="headers-too-large",
        title="The request headers are too large",
        status=431,
        detail="the request line and headers are longer than MAX_HEADER_BYTES",
        error="The request's headers are too large.",
    ),
}


@functools.cache
def _max_header_bytes() -> int:
    return load_settings().max_header_bytes  # once per worker process


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 414 and 431 before an oversized head is parsed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head = _max_header_bytes()
        self._expect_head()

    def _expect_head(self) -> None:
        self.head_bytes = 0
        self.line_ended = False
        self.in_head = True
        self.tail = b""  # the last bytes seen, where the blank line ending the head may begin

    def data_received(self, data: bytes) -> None:
        """Count a head's bytes before the parser sees them; refuse one over the limits."""
        refusal = self._too_long(data) if self.in_head else None
        if refusal is None:
            super().data_received(data)
        else:
            self._refuse(refusal)

    def on_headers_complete(self) -> None:
        """The head is complete: what follows is body, not counted."""
        self.in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The request is complete: the next bytes begin another head."""
        super().on_message_complete()
        self._expect_head()

    def _too_long(self, data: bytes) -> int | None:
        seen = self.head_bytes
        self.head_bytes = seen + len(data)
        if not self.line_ended:
            if data.find(b"\n", 0, MAX_REQUEST_LINE + 1 - seen) >= 0:
                self.line_ended = True
            elif self.head_bytes > MAX_REQUEST_LINE:
                return 414
        if self.head_bytes <= self.max_head:
            self.tail = data[-3:]
            return None
        # Over the limit, unless the head ends within it and the rest of `data` is body.
        start = seen - len(self.tail)
        end = _END_OF_HEAD.search(self.tail + data, 0, self.max_head - start)
        if end is None:
            return 431
        self.in_head = False
        return None

    def _refuse(self, status: int) -> None:
        busy = self.cycle is not None and not self.cycle.response_complete
        if not busy:  # an answer still being written to a pipelined request must not be cut
            body = msgspec.json.encode(_REFUSALS[status])
            head = [STATUS_LINE[status]]
            head += [name + b": " + value + b"\r\n" for name, value in self._default_headers()]
            head.append(f"content-type: {MEDIA_TYPE}\r\n".encode())
            head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
            self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _default_headers(self) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = self.server_state.default_headers
        return headers


def run(settings: Settings, app: str = "api.http.app:create_app") -> None:
    """Serve the app factory `app` on HOST:PORT, and on METRICS_HOST:METRICS_PORT if set."""
    config = uvicorn.Config(
        app,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        http=PROTOCOL,
        server_header=False,  # the answer need not name its software
        log_level="warning",
        access_log=False,
        # uvicorn would otherwise believe X-Forwarded-For from loopback peers, letting a
        # local client pick its own throttle key; TRUSTED_PROXIES decides instead.
        proxy_headers=False,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        lifespan="on",
    )
    # Every worker accepts on both sockets; the app tells them apart (api/http/metrics_access.py).
    sockets = [config.bind_socket(), *_metrics_socket(settings)]
    if config.workers > 1:
        Multiprocess(config, sockets=sockets).run()
        return
    server = uvicorn.Server(config)
    server.run(sockets=sockets)
    if not server.started:
        raise SystemExit(3)  # as uvicorn.run: the port was taken, or the app did not start


def _metrics_socket(settings: Settings) -> list[socket.socket]:
    if settings.metrics_port is None:
        return []
    metrics = uvicorn.Config("", host=settings.metrics_host, port=settings.metrics_port)
    return [metrics.bind_socket()]
