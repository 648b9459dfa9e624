"""schemathesis against the OpenAPI document: generated requests over real HTTP (uvicorn), no
server error and every response as documented (status, content type, headers, body schema).

Sized for CI: 25 derandomized examples per operation, one fresh database per operation.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.http.app import create_app
from infra.config import Settings
from infra.db import create_pool
from service.admins import create_admin
from tests.api.conftest import FAST_HASHER, PASSWORD, RELAXED, SECRET

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ADMIN = "schema_admin"

# The document as the app serves it (building the app needs no database).
_DOCUMENT = create_app(
    Settings(environment="test", jwt_secret=SECRET), "postgresql://unused@127.0.0.1:1/unused"
).openapi_schema.to_schema()
SCHEMA = schemathesis.openapi.from_dict(_DOCUMENT)


@dataclass(frozen=True)
class Live:
    """A served app and an admin's headers (an admin may call every operation)."""

    url: str
    headers: dict[str, str]


@contextmanager
def serving(app: Litestar) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread (its own event loop); yield the base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
async def admin_account(db_dsn: str, api_settings: Settings) -> str:
    """An admin made before the server starts (the migrated database needs no genesis)."""
    pool = await create_pool(db_dsn, api_settings, min_size=1, max_size=2)
    try:
        await create_admin(pool, api_settings, ADMIN, PASSWORD, FAST_HASHER)
    finally:
        await pool.close()
    return ADMIN


@pytest.fixture
def live(db_dsn: str, api_settings: Settings, admin_account: str) -> Iterator[Live]:
    """The app over real HTTP, with an admin (which holds no wallet: the money routes answer it
    422 `not-a-player`, as documented)."""
    app = create_app(api_settings, db_dsn, hasher=FAST_HASHER, limits=RELAXED)
    with serving(app) as url:
        login = httpx.post(f"{url}/login", json={"username": admin_account, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        refused = httpx.post(f"{url}/top-up", json={"amount": 5000}, headers=headers)
        assert refused.json()["type"] == "not-a-player"
        yield Live(url, headers)


@SCHEMA.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_document(case: schemathesis.Case, live: Live) -> None:
    case.call_and_validate(base_url=live.url, headers=live.headers, checks=CHECKS)


def test_the_document_declares_problem_details_for_errors() -> None:
    purchase = _DOCUMENT["paths"]["/purchase"]["post"]["responses"]
    for status in ("400", "401", "413", "422", "503"):
        assert "application/problem+json" in purchase[status]["content"]
    assert _DOCUMENT["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
