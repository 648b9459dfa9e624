"""`/metrics` only to a bearer of METRICS_TOKEN; with neither it nor METRICS_PORT, not in
production. (The separate METRICS_PORT is served by `gameledger serve`: test_http_server.py.)"""

from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest

from api.http.app import create_app
from infra.config import Settings
from tests.api.conftest import FAST_HASHER, _client, running

TOKEN = "scrape-" + "t" * 32


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """The scraper's token is set."""
    return msgspec.structs.replace(api_settings, metrics_token=TOKEN)


async def test_only_the_bearer_of_the_metrics_token_may_scrape(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.json()["type"] == "unauthorized"
        assert refused.headers["www-authenticate"].startswith("Bearer")
    scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert "gameledger_http_requests_total" in scraped.text


@pytest.fixture
async def production(db_dsn: str, api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A production app with neither METRICS_TOKEN nor METRICS_PORT."""
    settings = msgspec.structs.replace(api_settings, environment="production", metrics_token=None)
    async with running(create_app(settings, db_dsn, hasher=FAST_HASHER)) as app, _client(app) as c:
        yield c


async def test_in_production_metrics_need_a_token_or_a_port(
    production: httpx.AsyncClient,
) -> None:
    assert (await production.get("/metrics")).status_code == 404
    assert (await production.get("/health")).status_code == 200
