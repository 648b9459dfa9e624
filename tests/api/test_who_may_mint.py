"""Who may mint currency: PLAYER_TOP_UP for players, service grants always (README)."""

import httpx
import msgspec
import pytest
from litestar import Litestar

from infra.config import Settings, load_settings
from tests.api.conftest import Player
from tests.api.test_batch_and_ops import _service
from tests.catalogs import EXAMPLE_FILE  # diamonds and stars


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """The app under test with player top-ups off, as production has them by default."""
    return msgspec.structs.replace(
        api_settings, player_top_up="off", catalog_file=str(EXAMPLE_FILE)
    )


def test_production_defaults_to_off_and_development_to_open() -> None:
    secret = "x" * 32
    assert not load_settings({"GAMELEDGER_ENV": "production", "JWT_SECRET": secret}).top_up_open
    assert load_settings({"GAMELEDGER_ENV": "development"}).top_up_open
    opened = {"GAMELEDGER_ENV": "production", "JWT_SECRET": secret, "PLAYER_TOP_UP": "open"}
    assert load_settings(opened).top_up_open


async def test_a_player_top_up_is_refused_when_off(
    client: httpx.AsyncClient, player: Player
) -> None:
    refused = await client.post("/top-up", json={"amount": 100}, headers=player.auth)
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["type"] == "top-up-disabled"
    assert body["error"] == "Top-ups are not available here; buy currency in the store instead."
    balance = await client.get("/balance", headers=player.auth)
    assert balance.json()["balance"] == 0


async def test_a_service_grant_pays_the_player_once_per_key(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await _service(app, client, api_settings)
    body = {"player": player.username, "amount": 250, "reason": "tournament prize"}
    headers = {**server.auth, "Idempotency-Key": "prize-1"}
    granted = await client.post("/grants", json=body, headers=headers)
    assert granted.status_code == 201, granted.text
    assert granted.json()["balance"] == 250
    assert (await client.post("/grants", json=body, headers=headers)).json() == granted.json()
    star = {"player": player.username, "currency": "star", "amount": 7, "reason": "daily"}
    stars = await client.post("/grants", json=star, headers=server.auth)
    assert stars.status_code == 201, stars.text
    assert stars.json()["wallet"] == {"diamond": 250, "star": 7, "event_token": 0}


async def test_the_batch_endpoint_still_tops_up_when_off(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await _service(app, client, api_settings)
    transfers = [{"kind": "top_up", "playerId": player.user_id, "amount": 40}]
    reply = await client.post(
        "/batch/transfers", json={"transfers": transfers}, headers=server.auth
    )
    assert reply.json()["results"][0]["balance"] == 40


async def test_a_player_cannot_grant(client: httpx.AsyncClient, player: Player) -> None:
    body = {"player": player.username, "amount": 250, "reason": "self-service"}
    refused = await client.post("/grants", json=body, headers=player.auth)
    assert refused.status_code == 403
    assert refused.json()["error"]


async def test_store_receipts_are_refused_while_no_store_is_configured(
    client: httpx.AsyncClient, player: Player
) -> None:
    body = {"signedTransaction": "a.b.c"}
    refused = await client.post("/receipts/apple", json=body, headers=player.auth)
    assert refused.status_code == 404, refused.text
    assert refused.json()["type"] == "store-not-configured"
    assert "APPLE_BUNDLE_ID" in refused.json()["error"]
