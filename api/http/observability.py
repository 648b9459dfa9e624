"""Request ids, one structured log line per request, and HTTP metrics.

A pure ASGI middleware: it sees the status even of responses made by exception handlers, and it
never reads bodies (so no password or token can reach a log line).
"""

import asyncio
import os
import re
import time
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infra import metrics

_log = structlog.get_logger("gameledger.http")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CLIENT_CLOSED = 499
_QUIET = frozenset({"/metrics", "/health", "/ready"})


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            return request_id_of(value)
    return request_id_of(None)


def request_id_of(sent: bytes | None) -> str:
    """The client's X-Request-ID when it is a plain one, else a new id."""
    if sent is not None:
        candidate = sent.decode("latin-1")
        if _VALID_ID.match(candidate):
            return candidate
    return os.urandom(16).hex()  # as random as uuid4().hex, at half its cost


def _player(scope: Scope) -> str | None:
    user = scope.get("user")
    return getattr(user, "player_id", None)


def observability_middleware(app: ASGIApp) -> ASGIApp:
    """Wrap `app`: X-Request-ID in and out, a log line and metrics per HTTP request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        # The handler binds what it learns (transfer id, stream) for this request's log line.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await app(scope, receive, send_wrapper)
        except asyncio.CancelledError:
            # The client went away before an answer (nginx calls this 499): not a server error.
            status = CLIENT_CLOSED
            raise
        finally:
            record(scope, status, time.perf_counter() - started, request_id)
            structlog.contextvars.clear_contextvars()

    return middleware


# The metrics' children per (method, route, status): `labels()` takes a lock and builds its key
# on every call, a few microseconds of every request (the routes and statuses are few).
_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _children(method: str, route: str, status: int) -> tuple[Any, Any]:
    key = (method, route, status)
    found = _series.get(key)
    if found is None:
        found = (
            metrics.REQUESTS.labels(method, route, str(status)),
            metrics.LATENCY.labels(method, route),
        )
        _series[key] = found
    return found


def record(scope: Scope, status: int, seconds: float, request_id: str) -> None:
    """Count and time one answered request, and log it (not the quiet routes' successes)."""
    route: str = scope.get("path_template") or "unmatched"
    method = str(scope.get("method", ""))
    requests, latency = _children(method, route, status)
    requests.inc()
    latency.observe(seconds)
    if route in _QUIET and status < 400:
        return
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
    }
    player = _player(scope)
    if player is not None:
        fields["player_id"] = player
    if status >= 500:
        _log.warning("request", **fields)
    else:
        _log.info("request", **fields)
