"""The game servers' batch endpoint, and the operations endpoints /metrics and /ready."""

import uuid

import httpx
from litestar import Litestar

from infra.config import Settings
from service.admins import create_admin
from tests.api.conftest import FAST_HASHER, PASSWORD, Player, settled


async def _service(app: Litestar, client: httpx.AsyncClient, settings: Settings) -> Player:
    name = f"game_server_{uuid.uuid4().hex[:6]}"
    await create_admin(app.state.pool, settings, name, PASSWORD, FAST_HASHER, role="service")
    login = await client.post("/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return Player("", name, "", login.json()["token"])


async def test_a_service_posts_many_transfers_with_one_result_each(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await _service(app, client, api_settings)
    transfers = [
        {"kind": "top_up", "playerId": player.user_id, "amount": 60, "idempotencyKey": "t1"},
        {"kind": "purchase", "playerId": player.user_id, "item": "treasure_box"},
        {"kind": "purchase", "playerId": player.user_id, "item": "treasure_box"},
        {"kind": "purchase", "playerId": player.user_id, "item": "gold_coin"},
    ]
    response = await client.post(
        "/batch/transfers", json={"transfers": transfers}, headers=server.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["applied"], body["failed"]) == (3, 1)
    assert [r["status"] for r in body["results"]] == ["ok", "ok", "error", "ok"]
    assert body["results"][2]["problem"]["type"] == "insufficient-funds"
    assert body["results"][2]["problem"]["balance"] == 10
    balance = await client.get("/balance", headers=player.auth)
    assert balance.json()["balance"] == 0
    assert balance.json()["inventory"] == {"goldCoins": 1, "treasureBoxes": 1}


async def test_an_atomic_batch_applies_nothing_when_one_transfer_fails(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await _service(app, client, api_settings)
    transfers = [
        {"kind": "top_up", "playerId": player.user_id, "amount": 10},
        {"kind": "purchase", "playerId": player.user_id, "item": "no_such_item"},
    ]
    response = await client.post(
        "/batch/transfers", json={"transfers": transfers, "atomic": True}, headers=server.auth
    )
    body = response.json()
    assert body["applied"] == 0
    assert body["results"][0]["problem"]["type"] == "batch-aborted"
    assert body["results"][1]["problem"]["type"] == "unknown-item"
    balance = await client.get("/balance", headers=player.auth)
    assert balance.json()["balance"] == 0


async def test_a_replayed_batch_key_applies_once(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await _service(app, client, api_settings)
    body = {
        "transfers": [
            {"kind": "top_up", "playerId": player.user_id, "amount": 25, "idempotencyKey": "once"}
        ]
    }
    first = (await client.post("/batch/transfers", json=body, headers=server.auth)).json()
    again = (await client.post("/batch/transfers", json=body, headers=server.auth)).json()
    assert again["results"] == [{**first["results"][0], "status": "replayed"}]
    assert (first["applied"], again["applied"], again["replayed"]) == (1, 0, 1)
    balance = await client.get("/balance", headers=player.auth)
    assert balance.json()["balance"] == 25


async def test_players_cannot_post_batches_and_oversized_batches_are_refused(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    one = {"kind": "top_up", "playerId": player.user_id, "amount": 1}
    refused = await client.post("/batch/transfers", json={"transfers": [one]}, headers=player.auth)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    server = await _service(app, client, api_settings)
    too_many = await client.post(
        "/batch/transfers", json={"transfers": [one] * 1001}, headers=server.auth
    )
    assert too_many.status_code == 400
    unknown = await client.post(
        "/batch/transfers", json={"transfers": [{**one, "cost": 0}]}, headers=server.auth
    )
    assert unknown.status_code == 400


async def test_metrics_count_requests_and_commands(
    client: httpx.AsyncClient, rich_player: Player, admin: Player
) -> None:
    await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    await settled(client, admin)  # the treasury gauge comes from the treasury read model
    text = (await client.get("/metrics")).text
    assert 'gameledger_http_requests_total{method="POST",route="/purchase",status="200"}' in text
    assert 'gameledger_commands_total{command="Purchase",outcome="ok"}' in text
    assert "gameledger_projector_lag_events" in text
    assert 'gameledger_treasury_balance{asset="diamond"}' in text


async def test_ready_reports_database_migrations_and_projectors(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ready": True,
        "database": "CONNECTED",
        "migrationsPending": [],
        "projectorsStalled": [],
    }
