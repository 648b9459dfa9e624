"""The console's routes without a browser: what is served, with which headers, and what is not."""

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.console.routes import CONTENT_SECURITY_POLICY, WEB_DIR, console_router


@pytest.fixture
def client() -> Iterator[TestClient[Litestar]]:
    """The console alone (it needs no database)."""
    with TestClient(Litestar(route_handlers=[console_router])) as test_client:
        yield test_client


def test_index_is_served_with_a_strict_policy(client: TestClient[Litestar]) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert '<script type="module" src="/static/app.js">' in answer.text


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("app.js", "text/javascript"), ("styles.css", "text/css"), ("favicon.svg", "image/svg+xml")],
)
def test_assets_are_served_by_name(
    client: TestClient[Litestar], name: str, media_type: str
) -> None:
    answer = client.get(f"/static/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media_type)
    assert answer.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("name", ["index.html", "nope.js", "..%2Fconsole.py", "%2E%2E", "a%00"])
def test_nothing_else_is_served(client: TestClient[Litestar], name: str) -> None:
    assert client.get(f"/static/{name}").status_code in {400, 404}


def test_the_page_has_no_inline_code_and_loads_nothing_from_elsewhere() -> None:
    for path in WEB_DIR.iterdir():
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert not re.search(r"\s(style|on[a-z]+)=", text), path.name
        assert not re.search(r"(src|href)=\"(https?:)?//", text), path.name
        assert not re.search(r"\b(local|session)Storage\s*[.\[]", text), path.name
