"""The hot routes' plain requests, answered before Litestar's routing (issue 22).

A game client's most frequent calls are `GET /balance`, `POST /purchase` and `POST /top-up`.
Litestar's per-request machinery (routing, four middlewares, the guard, dependency resolution,
the body DTO, the response object) cost more of each than the ledger's own work. The routes stay
Litestar handlers: they are what the OpenAPI document shows and what answers every request a
fast path does not take. A fast path takes only the plain form of its route:

- no query string, no `Origin` (CORS), no `Expect`, no chunked body, nothing on the metrics port;
- a bearer token the kernel's own `Tokens` accepts, header values without a NUL, and none of
  `Authorization`, `Content-Type`, `Content-Length` or `Idempotency-Key` twice;
- for a write, a JSON body (`Content-Type: application/json`, at most `MAX_BODY` bytes) that the
  route's Struct decodes strictly, that the text guard would pass, and a well-formed
  `Idempotency-Key` if any.

Anything else goes to Litestar untouched (a body already read is handed over as it came), and
Litestar answers it, its refusals included, as it always has. Once a fast path has begun the
route's work it answers whatever comes of it, errors as the problem-details plugin would
(api/http/problems.py): a write is never run twice. Every answer carries the headers Litestar's
answer carries, `X-Request-ID` and (for a write) `Ledger-Position`, and gets the same log line
and metrics (api/http/observability.py).
"""

import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import structlog
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.serialization import encode_json
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from api.http import observability, problems
from api.http.auth import Principal, Tokens
from api.http.metrics_access import local_port
from api.http.observability import CLIENT_CLOSED
from api.http.services import KEY_PATTERN, Services
from api.http.text_guard import unstorable_field
from infra import replica

# A larger body is rare on these routes (metadata at most): Litestar reads it, and limits it.
MAX_BODY = 16 * 1024

# Headers whose presence sends the request to Litestar: the CORS middleware answers an Origin,
# reads honour Ledger-Position, and an Expect or a chunked body is the linger middleware's.
_LITESTAR_ONLY = frozenset({b"origin", b"ledger-position", b"expect", b"transfer-encoding"})

# What Litestar adds to a handler's answer: the app's and the room's response headers.
_HEADERS = [
    (b"content-type", b"application/json"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]

# Headers a plain request names at most once: twice, and which one counts is Litestar's to say.
_ONCE = frozenset({b"authorization", b"content-length", b"content-type", b"idempotency-key"})

_KEY = re.compile(KEY_PATTERN)
_JSON = frozenset({b"application/json", b"application/json; charset=utf-8"})


@dataclass(frozen=True, slots=True)
class Plain:
    """A plain request's parts a route needs: who calls, with which key, and its decoded body."""

    services: Services
    principal: Principal
    key: str | None
    data: Any


# A route's answer to its plain request: the Struct it answers 200 with.
Route = Callable[[Plain], Awaitable[msgspec.Struct]]


@dataclass(frozen=True, slots=True)
class FastRoute:
    """One route's fast path.

    `model`: the Struct its body decodes into, strictly (None: a route without a body;
    `optional`: an empty body is `None`). A route with a body writes: once `answer` is called,
    whatever comes of it is answered here, errors as problems. A route without one reads: on
    an error, Litestar answers the request from the start (a read has no effect to repeat).
    """

    method: str
    path: str
    answer: Route
    model: type[msgspec.Struct] | None = None
    optional: bool = False


def install(app: Litestar, routes: list[FastRoute]) -> None:
    """Put the routes' fast paths in front of the app's routing (its CORS and exception layers)."""
    app.asgi_handler = fast_path(app, app.asgi_handler, routes)


def fast_path(app: Litestar, litestar: ASGIApp, routes: list[FastRoute]) -> ASGIApp:
    """`litestar`, with the routes' plain requests answered before it (module doc)."""
    by_route: Mapping[tuple[str, str], FastRoute] = {(r.method, r.path): r for r in routes}

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        route = (
            by_route.get((scope["method"], scope["path"]))
            if scope["type"] == ScopeType.HTTP and not scope["query_string"]
            else None
        )
        if route is not None:
            answered, receive = await _served(app, route, scope, receive, send)
            if answered:
                return
        await litestar(scope, receive, send)

    return handler


async def _served(
    app: Litestar, route: FastRoute, scope: Scope, receive: Receive, send: Send
) -> tuple[bool, Receive]:
    """Serve the plain request: (True, _) once answered, else (False, the `receive` Litestar
    reads the request from: the body this read, replayed)."""
    started = time.perf_counter()
    head = _head(app, scope, route.model is not None)
    if head is None:
        return False, receive
    services, token, request_id, key, length = head
    data = None
    if route.model is not None:
        body, receive = await _body(receive, length)
        if body is None:
            return False, receive
        data = _decoded(body, route)
        if data is _UNDECODED:
            return False, receive
    try:
        tokens: Tokens = app.state.tokens
        await tokens.current()
        principal = tokens.verify(token)
    except Exception:
        return False, receive  # Litestar's guard answers it
    if route.model is None:
        plain = Plain(services, principal, key, data)
        return await _read(route, scope, send, plain, request_id, started), receive
    request = observability.request_id_of(request_id)
    scope["user"], scope["path_template"] = principal, route.path  # for the log line, metrics
    written = replica.collect()  # the positions this write commits (api/http/writes.py)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request)
    status = CLIENT_CLOSED
    try:
        try:
            answer = await route.answer(Plain(services, principal, key, data))
        except Exception as error:  # answered as the problem-details plugin answers it
            refusal = problems.to_problem(error)
            status = refusal.status_code
            await problems.answer(refusal, scope, receive, _with_ids(send, request, written))
            return True, receive
        status = 200
        await _send_json(send, encode_json(answer), request, written)
        return True, receive
    finally:
        observability.record(scope, status, time.perf_counter() - started, request)
        structlog.contextvars.clear_contextvars()


async def _read(
    route: FastRoute,
    scope: Scope,
    send: Send,
    plain: Plain,
    request_id: bytes | None,
    started: float,
) -> bool:
    """A read's answer; on any error, nothing sent (Litestar reads it again and answers)."""
    try:
        body = encode_json(await route.answer(plain))
    except Exception:
        return False
    request = observability.request_id_of(request_id)
    scope["user"], scope["path_template"] = plain.principal, route.path
    await _send_json(send, body, request, [])
    observability.record(scope, 200, time.perf_counter() - started, request)
    return True


_UNDECODED = object()


def _decoded(body: bytes, route: FastRoute) -> Any:
    """The body as the route's Struct (strictly, as api/http/body.py decodes it), or
    `_UNDECODED`: Litestar refuses it, in its own words."""
    if not body and route.optional:
        return None
    try:
        return msgspec.json.decode(body, type=route.model, strict=True)
    except msgspec.DecodeError:
        return _UNDECODED


def _head(
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


async def _body(receive: Receive, length: int) -> tuple[Any, Receive]:
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


def _with_ids(send: Send, request: str, written: list[int]) -> Send:
    """`send`, adding X-Request-ID (and Ledger-Position after a write) to the answer's head."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message["headers"], *_ids(request, written)]}
        await send(message)

    return sending


def _ids(request: str, written: list[int]) -> list[tuple[bytes, bytes]]:
    ids = [(b"x-request-id", request.encode())]
    if written:
        position = replica.format_position(max(written))
        ids.append((replica.POSITION_HEADER.lower().encode(), position.encode()))
    return ids


async def _send_json(send: Send, body: bytes, request: str, written: list[int]) -> None:
    headers = [*_HEADERS, (b"content-length", str(len(body)).encode()), *_ids(request, written)]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 200,
        "headers": headers,
    }
    await send(start)
    done: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(done)
