"""The hot routes' plain requests, answered before Litestar's routing (issue 22).

A game client's most frequent calls are `GET /balance`, `POST /purchase` and `POST /top-up`.
Litestar's per-request machinery (routing, four middlewares, the guard, dependency resolution,
the body DTO, the response object) cost more of each than the ledger's own work. The routes stay
Litestar handlers: they are what the OpenAPI document shows and what answers every request a
fast path does not take (each room declares its fast paths as `FastRoute`s,
api/http/fast_routes.py). A fast path takes only the plain form of its route
(api/http/plain_request.py):

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

import time
from collections.abc import Mapping
from typing import Any

import msgspec
import structlog
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.serialization import encode_json
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from api.http import observability, problems
from api.http.auth import Tokens
from api.http.fast_routes import FastRoute, Plain
from api.http.observability import CLIENT_CLOSED
from api.http.plain_request import read_body, read_head
from infra import replica

# What Litestar adds to a handler's answer: the app's and the room's response headers.
_HEADERS = [
    (b"content-type", b"application/json"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


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
    head = read_head(app, scope, route.model is not None)
    if head is None:
        return False, receive
    services, token, request_id, key, length = head
    data = None
    if route.model is not None:
        body, receive = await read_body(receive, length)
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
