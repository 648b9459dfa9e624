"""Whether a request to a fast path is plain (api/http/fast_path.py), read from its head and its
body: the headers that send it to Litestar, those it may name only once, the bearer token, the
request id, the idempotency key and the JSON body's length; then the body, read to the end and
handed to Litestar, as it came, when the request is not plain after all."""

import re
from typing import Any

from litestar import Litestar
from litestar.types import HTTPRequestEvent, Receive, ReceiveMessage, Scope

from api.http.metrics_access import local_port
from api.http.services import KEY_PATTERN, Services
from api.http.text_guard import unstorable_field

# A larger body is rare on these routes (metadata at most): Litestar reads it, and limits it.
MAX_BODY = 16 * 1024

# Headers whose presence sends the request to Litestar: the CORS middleware answers an Origin,
# reads honour Ledger-Position, and an Expect or a chunked body is the linger middleware's.
_LITESTAR_ONLY = frozenset({b"origin", b"ledger-position", b"expect", b"transfer-encoding"})

# Headers a plain request names at most once: twice, and which one counts is Litestar's to say.
_ONCE = frozenset({b"authorization", b"content-length", b"content-type", b"idempotency-key"})

_KEY = re.compile(KEY_PATTERN)
_JSON = frozenset({b"application/json", b"application/json; charset=utf-8"})


def read_head(
    app: Litestar, scope: Scope, writes: bool
) -> tuple[Services, str, bytes | None, str | None, int] | None:
    """The plain request's services, token, request id, key and body length; None if not plain."""
    services: Services | None = getattr(app.state, "services", None)
    if services is None:
        return None
    metrics_port = services.settings.metrics_port
    if metrics_port is not None and local_port(scope) == metrics_port:  # /metrics alone there
        return None
    token = request_id = key = None
    length, json = 0, not writes
    seen: set[bytes] = set()
    for name, value in scope["headers"]:
        if b"\x00" in value or name in _LITESTAR_ONLY:  # the text guard's refusal, CORS, ...
            return None
        if name in _ONCE:
            if name in seen:
                return None
            seen.add(name)
        if name == b"authorization":
            token = value
        elif name == b"x-request-id":
            request_id = value
        elif name == b"content-length":
            if not value.isdigit() or (length := int(value)) > MAX_BODY:
                return None
        elif name == b"content-type":
            json = value.lower() in _JSON
        elif name == b"idempotency-key":
            key = value.decode("latin-1")
            if not _KEY.match(key):
                return None
    if token is None or not (json or length == 0) or (length and not writes):
        return None
    scheme, _, raw = token.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return services, raw.strip(), request_id, key, length


async def read_body(receive: Receive, length: int) -> tuple[Any, Receive]:
    """The body (None if it is not what Content-Length said, or holds what the text guard
    refuses) and the `receive` that hands it, as it was read, to Litestar if need be."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: Litestar sees it leave
            return None, _replayed(b"".join(chunks), receive, message)
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > length or not message.get("more_body", False):
            break
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    plain = size == length and unstorable_field(body) is None
    return body if plain else None, _replayed(body, receive)


def _replayed(body: bytes, receive: Receive, last: ReceiveMessage | None = None) -> Receive:
    """`receive` for Litestar: the body already read as one message (then `last`, if the
    client left while it was read), then the client's own messages."""
    request: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
    pending: list[ReceiveMessage] = [request]
    if last is not None:
        pending.append(last)

    async def replay() -> Any:
        return pending.pop(0) if pending else await receive()

    return replay
