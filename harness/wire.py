"""Just enough of the PostgreSQL wire protocol for the fault proxy to see what passes through.

Frontend messages are typed after the untyped start-up packets (SSL and GSS requests answered
by one byte, then the startup message). Every backend message is typed. The proxy uses this to
notice a statement that writes the ledger and the ReadyForQuery that acknowledges its commit.
"""

import struct
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104


class Frames:
    """Splits a byte stream into whole messages: (type, raw bytes); type b'' when untyped."""

    def __init__(self, untyped: int = 0) -> None:
        self.buffer = bytearray()
        self.untyped = untyped  # how many untyped packets come first
        self.single_bytes = 0  # one-byte answers expected (to SSL/GSS requests)

    def feed(self, data: bytes) -> Iterator[tuple[bytes, bytes]]:
        """The complete messages in what has arrived so far."""
        self.buffer += data
        while True:
            if self.single_bytes and self.buffer:
                self.single_bytes -= 1
                yield b"", bytes(self._take(1))
                continue
            head = 0 if self.untyped else 1
            if len(self.buffer) < head + 4:
                return
            (length,) = struct.unpack_from("!i", self.buffer, head)
            if len(self.buffer) < head + length:
                return
            raw = bytes(self._take(head + length))
            if self.untyped:
                self.untyped -= 1
                yield b"", raw
            else:
                yield raw[:1], raw

    def _take(self, size: int) -> bytearray:
        taken = self.buffer[:size]
        del self.buffer[:size]
        return taken


class WriteSpotter:
    """Follows the frontend stream and says when a statement that writes the ledger is sent.

    With `keys` (a marker and a parameter index), a write whose text holds that marker names
    its idempotency keys in that parameter, a binary text[]: they are kept in `last_keys`.
    """

    def __init__(
        self, markers: tuple[bytes, ...], backend: Frames, keys: tuple[bytes, int] | None = None
    ) -> None:
        self.markers = markers
        self.frames = Frames(untyped=1)
        self.backend = backend
        self.keys = keys
        self.writes: dict[bytes, bool] = {}  # marked prepared statements: do they carry keys
        self.last_keys: list[str] = []  # the keys of the last marked statement sent

    def feed(self, data: bytes) -> tuple[bool, bool]:
        """(a marked statement is sent for execution, a COMMIT is sent) in `data`."""
        spotted = commit = False
        for kind, raw in self.frames.feed(data):
            if kind == b"":
                self._startup(raw)
            elif kind == b"Q":
                spotted |= self._marked(raw[5:])
                commit |= raw[5:].lstrip().upper().startswith(b"COMMIT")
            elif kind == b"P":
                name, _, rest = raw[5:].partition(b"\0")
                self.writes.pop(name, None)
                if self._marked(rest):
                    self.writes[name] = self.keys is not None and self.keys[0] in rest.upper()
            elif kind == b"B":
                spotted |= self._bound(raw)
        return spotted, commit

    def _bound(self, raw: bytes) -> bool:
        _portal, _, rest = raw[5:].partition(b"\0")
        name, _, rest = rest.partition(b"\0")
        if name not in self.writes:
            return False
        if self.writes[name] and self.keys is not None:
            self.last_keys = text_array(bind_parameters(rest)[self.keys[1]])
        else:
            self.last_keys = []
        return True

    def _startup(self, raw: bytes) -> None:
        (code,) = struct.unpack_from("!i", raw, 4)
        if code in (SSL_REQUEST, GSS_REQUEST):
            self.frames.untyped += 1  # the real startup message follows the one-byte answer
            self.backend.single_bytes += 1

    def _marked(self, text: bytes) -> bool:
        upper = text.upper()
        return any(marker in upper for marker in self.markers)


def bind_parameters(body: bytes) -> list[bytes | None]:
    """The parameter values of a Bind message, from its format codes on (None for NULL)."""
    (formats,) = struct.unpack_from("!h", body, 0)
    at = 2 + 2 * formats
    (count,) = struct.unpack_from("!h", body, at)
    at += 2
    values: list[bytes | None] = []
    for _ in range(count):
        (size,) = struct.unpack_from("!i", body, at)
        at += 4
        values.append(None if size < 0 else body[at : at + size])
        at += max(size, 0)
    return values


def text_array(value: bytes | None) -> list[str]:
    """The elements of a one-dimensional text[] in binary format (NULL elements left out)."""
    if value is None:
        return []
    if value.startswith(b"{"):  # text format: keys are ids, never quoted or holding commas
        return [item for item in value[1:-1].decode().split(",") if item and item != "NULL"]
    ndim, _nulls, _oid = struct.unpack_from("!iii", value, 0)
    if ndim == 0:
        return []
    (size,) = struct.unpack_from("!i", value, 12)
    at, items = 12 + 8 * ndim, []
    for _ in range(size):
        (length,) = struct.unpack_from("!i", value, at)
        at += 4
        if length >= 0:
            items.append(value[at : at + length].decode())
            at += length
    return items


def ready_status(raw: bytes) -> bytes:
    """The transaction status of a ReadyForQuery: I idle, T in a transaction, E failed."""
    return raw[5:6]


def upstream_of(dsn: str) -> tuple[str, int] | str:
    """Where the DSN's server listens: (host, port) or a Unix socket path."""
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query))
    port = int(query.get("port") or parts.port or 5432)
    host = query.get("host") or parts.hostname or "127.0.0.1"
    if host.startswith("/"):
        return f"{host}/.s.PGSQL.{port}"
    return host, port


def through(dsn: str, port: int) -> str:
    """The DSN reaching the same database through a proxy on 127.0.0.1:`port`, without TLS."""
    parts = urlsplit(dsn)
    query = {k: v for k, v in parse_qsl(parts.query) if k not in {"host", "port", "sslmode"}}
    query["sslmode"] = "disable"  # the proxy must read the protocol
    user = parts.username or "postgres"
    credentials = f"{user}:{parts.password}" if parts.password else user
    return urlunsplit(
        parts._replace(netloc=f"{credentials}@127.0.0.1:{port}", query=urlencode(query))
    )
