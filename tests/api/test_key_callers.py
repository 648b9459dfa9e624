"""Idempotency keys belong to who sent them (DESIGN-NOTES note 13): a player's key never
answers for a game server's or an operator's write on that player, nor the reverse."""

from typing import Any

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player
from tests.api.test_batch_and_ops import _service as game_server
from tests.api.test_validation import assert_problem, balance


def keyed(player: Player, key: str) -> dict[str, str]:
    return {**player.auth, "Idempotency-Key": key}


def top_up(player: Player, amount: int, key: str) -> dict[str, Any]:
    return {"kind": "top_up", "playerId": player.user_id, "amount": amount, "idempotencyKey": key}


async def test_a_players_key_never_swallows_a_game_servers_batch_top_up(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    own = await client.post("/top-up", json={"amount": 5}, headers=keyed(player, "reward-77"))
    assert own.status_code == 200, own.text
    server = await game_server(app, client, api_settings)
    batch = {"transfers": [top_up(player, 5, "reward-77")]}
    granted = await client.post("/batch/transfers", json=batch, headers=server.auth)
    assert granted.status_code == 200, granted.text
    [result] = granted.json()["results"]
    assert result["status"] == "ok"
    assert result["transferId"] != own.json()["transferId"]
    assert (await balance(client, player))["balance"] == 10
    # Each retries its own key: the player's replays the player's, the server's the server's.
    again = await client.post("/top-up", json={"amount": 5}, headers=keyed(player, "reward-77"))
    assert again.json() == own.json()
    retried = (await client.post("/batch/transfers", json=batch, headers=server.auth)).json()
    assert (retried["applied"], retried["replayed"], retried["failed"]) == (0, 1, 0)
    assert retried["results"][0]["status"] == "replayed"
    assert retried["results"][0]["transferId"] == result["transferId"]
    assert (await balance(client, player))["balance"] == 10


async def test_a_game_servers_key_never_swallows_the_players_own_write(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await game_server(app, client, api_settings)
    batch = {"transfers": [top_up(player, 5, "bonus-1")]}
    assert (await client.post("/batch/transfers", json=batch, headers=server.auth)).json()[
        "applied"
    ] == 1
    own = await client.post("/top-up", json={"amount": 5}, headers=keyed(player, "bonus-1"))
    assert own.status_code == 200, own.text
    assert own.json()["balance"] == 10


async def test_an_operators_reversal_is_applied_under_a_key_the_player_used(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    headers = keyed(rich_player, "fix-1")
    bought = await client.post("/purchase", json={"item": "gold_coin"}, headers=headers)
    transfer = bought.json()["transferId"]
    reversal = await client.post(
        f"/admin/transfers/{transfer}/reversal",
        json={"playerId": rich_player.user_id, "reason": "refund"},
        headers=keyed(admin, "fix-1"),
    )
    assert reversal.status_code == 200, reversal.text
    assert reversal.json()["reverses"] == transfer
    assert (await balance(client, rich_player))["balance"] == 1000


async def test_a_batch_naming_a_key_twice_replays_it_or_is_refused_when_atomic(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await game_server(app, client, api_settings)
    twice = [top_up(player, 5, "dup"), top_up(player, 7, "other"), top_up(player, 5, "dup")]
    refused = await client.post(
        "/batch/transfers", json={"transfers": twice, "atomic": True}, headers=server.auth
    )
    problem = assert_problem(refused, 422, "duplicate-idempotency-key")
    assert (problem["idempotencyKey"], problem["indexes"]) == ("dup", [0, 2])
    assert (await balance(client, player))["balance"] == 0
    body = (
        await client.post("/batch/transfers", json={"transfers": twice}, headers=server.auth)
    ).json()
    assert [r["status"] for r in body["results"]] == ["ok", "ok", "replayed"]
    assert body["results"][2]["transferId"] == body["results"][0]["transferId"]
    assert (body["applied"], body["replayed"], body["failed"]) == (2, 1, 0)
    assert (await balance(client, player))["balance"] == 12
