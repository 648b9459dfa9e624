"""Who may scrape `/metrics`: the metrics tell a stranger the traffic, the players' activity and
the treasury's balance, so they are not for whoever reaches the API.

- `METRICS_PORT` set: `/metrics` answers only on METRICS_HOST:METRICS_PORT (127.0.0.1 unless
  told), a socket `serve` binds beside the API's (api/http/server.py), and that port answers nothing
  else. The API's port answers 404.
- `METRICS_TOKEN` set: `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`, compared in
  constant time; 401 otherwise.
- Both: both. Neither: 404 in production; open in development (with a warning) and test.
"""

import hmac
from collections.abc import Callable
from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from api.http.problems import answer, problem
from infra.config import Settings

_log = structlog.get_logger(__name__)
METRICS_PATH = "/metrics"


async def metrics_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard of `/metrics`: the right port, the right token, or development (module doc)."""
    settings: Settings = connection.app.state.services.settings
    if settings.metrics_port is not None and local_port(connection.scope) != settings.metrics_port:
        raise NotFoundException(detail="metrics are served on METRICS_PORT")
    if settings.metrics_token is not None:
        scheme, _space, token = connection.headers.get("authorization", "").partition(" ")
        right = hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
        if scheme.lower() != "bearer" or not right:
            raise NotAuthorizedException(
                detail="metrics need the bearer token METRICS_TOKEN",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    elif settings.metrics_port is None and settings.production:
        raise NotFoundException(detail="metrics are off: set METRICS_TOKEN or METRICS_PORT")


def middleware(settings: Settings) -> list[Callable[[ASGIApp], ASGIApp]]:
    """With METRICS_PORT, the middleware that keeps that port to `/metrics` alone."""
    if settings.metrics_port is None:
        return []
    port = settings.metrics_port

    def only_metrics_on(app: ASGIApp) -> ASGIApp:
        async def metrics_port(scope: Scope, receive: Receive, send: Send) -> None:
            if (
                scope["type"] == ScopeType.HTTP
                and local_port(scope) == port
                and scope["path"] != METRICS_PATH
            ):
                refusal = problem(404, "not-found", "No such resource", "this port serves /metrics")
                await answer(refusal, scope, receive, send)
                return
            await app(scope, receive, send)

        return metrics_port

    return [only_metrics_on]


def warn_if_open(settings: Settings) -> None:
    """Say at startup when `/metrics` is open to anyone, or not served at all."""
    if settings.metrics_token is not None or settings.metrics_port is not None:
        return
    if settings.production:
        _log.warning("/metrics is not served: set METRICS_TOKEN or METRICS_PORT to scrape it")
    elif settings.environment == "development":
        _log.warning("/metrics is open to anyone who reaches the API (not in production)")


def local_port(scope: Scope) -> int | None:
    server = scope.get("server")
    return server[1] if server else None
