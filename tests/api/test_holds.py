"""Holds over HTTP for a game server: the contract's fields and statuses, held funds, refusals."""

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, settled
from tests.api.test_batch_and_ops import _service


async def test_a_hold_placed_partly_captured_and_shown(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    rich_player: Player,
    admin: Player,
) -> None:
    server = await _service(app, client, api_settings)
    body = {"player": rich_player.username, "asset": "diamond", "amount": 300, "expiresIn": 600}
    headers = {**server.auth, "Idempotency-Key": "stake-1"}
    placed = await client.post("/holds", json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert {"holdId", "status", "player", "asset", "amount", "expiresAt"} <= set(hold)
    assert (hold["status"], hold["player"], hold["amount"]) == (
        "pending",
        rich_player.username,
        300,
    )
    assert (await client.post("/holds", json=body, headers=headers)).json() == hold  # once
    await settled(client, admin)
    wallet = (await client.get("/balance", headers=rich_player.auth)).json()
    assert (wallet["balance"], wallet["held"]) == (700, {"diamond": 300})
    url = f"/holds/{hold['holdId']}"
    captured = await client.post(f"{url}/capture", json={"amount": 120}, headers=server.auth)
    assert captured.status_code == 200, captured.text
    assert (captured.json()["status"], captured.json()["captured"]) == ("captured", 120)
    shown = await client.get(url, headers=server.auth)
    assert shown.json()["status"] == "captured"
    late = await client.post(f"{url}/void", headers=server.auth)
    assert (late.status_code, late.json()["type"]) == (409, "hold-not-pending")
    assert (late.json()["holdStatus"], late.json()["status"]) == ("captured", 409)
    assert late.json()["error"]
    await settled(client, admin)
    wallet = (await client.get("/balance", headers=rich_player.auth)).json()
    assert (wallet["balance"], wallet["held"]) == (880, {})
    [entry, *_] = (await client.get("/history", headers=rich_player.auth)).json()["entries"]
    assert (entry["code"], entry["holdId"]) == ("hold_capture", hold["holdId"])


async def test_a_void_releases_everything(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, rich_player: Player
) -> None:
    server = await _service(app, client, api_settings)
    body = {"player": rich_player.username, "asset": "diamond", "amount": 50, "expiresIn": 60}
    hold = (await client.post("/holds", json=body, headers=server.auth)).json()
    voided = await client.post(f"/holds/{hold['holdId']}/void", headers=server.auth)
    assert voided.json()["status"] == "voided"
    assert (await client.get("/balance", headers=rich_player.auth)).json()["balance"] == 1_000


async def test_refusals(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, rich_player: Player
) -> None:
    server = await _service(app, client, api_settings)
    body = {"player": rich_player.username, "asset": "diamond", "amount": 50, "expiresIn": 60}
    assert (await client.post("/holds", json=body, headers=rich_player.auth)).status_code == 403
    too_much = {**body, "amount": 5_000}
    refused = await client.post("/holds", json=too_much, headers=server.auth)
    assert (refused.status_code, refused.json()["type"]) == (422, "insufficient-funds")
    nobody = {**body, "player": "nobody_at_all"}
    refused = await client.post("/holds", json=nobody, headers=server.auth)
    assert (refused.status_code, refused.json()["type"]) == (404, "unknown-player")
    missing = await client.get("/holds/no-such-hold", headers=server.auth)
    assert (missing.status_code, missing.json()["type"]) == (404, "unknown-hold")
