"""Freezes (issue 24): each refusal (423 `frozen`, naming the freeze and its reason), what still
passes (reads, an operator's reversal, the lift), batch items refused one by one, and the
freezes listed and lifted."""

from typing import Any

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, SignUp, account


async def freeze(
    client: httpx.AsyncClient, admin: Player, scope: str, target: str, key: str = ""
) -> dict[str, Any]:
    """Place a freeze; its answer."""
    headers = {**admin.auth, **({"Idempotency-Key": key} if key else {})}
    body = {"scope": scope, "target": target, "reason": "exploit under investigation"}
    response = await client.post("/admin/freezes", json=body, headers=headers)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


def frozen(response: httpx.Response, placed: dict[str, Any]) -> None:
    """The answer is the freeze's 423."""
    assert response.status_code == 423, response.text
    problem = response.json()
    assert problem["type"] == "frozen"
    assert problem["freezeId"] == placed["freezeId"]
    assert problem["reason"] == "exploit under investigation"
    assert problem["error"].endswith(".")


async def test_a_frozen_player_can_neither_spend_nor_be_paid_but_still_reads(
    client: httpx.AsyncClient, admin: Player, rich_player: Player, sign_up: SignUp
) -> None:
    friend = await sign_up()
    top_up = await client.post("/top-up", json={"amount": 50}, headers=friend.auth)
    assert top_up.status_code == 200, top_up.text
    placed = await freeze(client, admin, "player", rich_player.username)
    assert placed["scope"] == "player"
    assert placed["target"] == rich_player.username
    assert placed["createdBy"] == admin.user_id
    assert placed["createdAt"]

    buy = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    frozen(buy, placed)
    gift = {"to": rich_player.username, "asset": "diamond", "amount": 5}
    frozen(await client.post("/transfers", json=gift, headers=friend.auth), placed)
    top_up = await client.post("/top-up", json={"amount": 5}, headers=friend.auth)
    assert top_up.status_code == 200, top_up.text  # anyone else writes as before

    balance = await client.get("/balance", headers=rich_player.auth)
    assert balance.status_code == 200
    assert balance.json()["balance"] == 1000


async def test_a_frozen_asset_refuses_every_write_that_moves_it(
    client: httpx.AsyncClient, admin: Player, rich_player: Player, sign_up: SignUp
) -> None:
    friend = await sign_up()
    placed = await freeze(client, admin, "asset", "gold_coin")
    buy = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    frozen(buy, placed)
    other = await client.post("/purchase", json={"item": "treasure_box"}, headers=rich_player.auth)
    assert other.status_code == 200, other.text
    gift = {"to": friend.username, "asset": "diamond", "amount": 5}
    assert (await client.post("/transfers", json=gift, headers=rich_player.auth)).status_code == 200


async def test_a_frozen_operation_refuses_its_transfers_only(
    client: httpx.AsyncClient, admin: Player, rich_player: Player, sign_up: SignUp
) -> None:
    friend = await sign_up()
    listed = await client.get("/admin/freezes", headers=admin.auth)
    assert {"purchase", "top_up", "gift", "trade", "hold", "use", "grant"} <= set(
        listed.json()["operations"]
    )
    placed = await freeze(client, admin, "operation", "gift")
    gift = {"to": friend.username, "asset": "diamond", "amount": 5}
    frozen(await client.post("/transfers", json=gift, headers=rich_player.auth), placed)
    buy = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    assert buy.status_code == 200, buy.text

    unknown = {"scope": "operation", "target": "genesis", "reason": "no"}
    refused = await client.post("/admin/freezes", json=unknown, headers=admin.auth)
    assert refused.status_code == 400
    assert refused.json()["type"] == "invalid-input"


async def test_an_operators_reversal_passes_and_a_lift_ends_the_freeze(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    bought = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    transfer_id = bought.json()["transferId"]
    placed = await freeze(client, admin, "player", rich_player.username, key="f-1")
    again = await freeze(client, admin, "player", rich_player.username, key="f-1")
    assert again["freezeId"] == placed["freezeId"]  # the key replays the first answer

    body = {"playerId": rich_player.user_id, "reason": "refund during the freeze"}
    reversal = await client.post(
        f"/admin/transfers/{transfer_id}/reversal", json=body, headers=admin.auth
    )
    assert reversal.status_code == 200, reversal.text

    active = await client.get("/admin/freezes", headers=admin.auth)
    assert [f["freezeId"] for f in active.json()["freezes"]] == [placed["freezeId"]]
    lift = await client.post(
        f"/admin/freezes/{placed['freezeId']}/lift",
        json={"reason": "fixed"},
        headers={**admin.auth, "Idempotency-Key": "lift-1"},
    )
    assert lift.status_code == 200, lift.text
    assert lift.json()["liftReason"] == "fixed"
    assert lift.json()["liftedBy"] == admin.user_id
    twice = await client.post(
        f"/admin/freezes/{placed['freezeId']}/lift", json={"reason": "x"}, headers=admin.auth
    )
    assert twice.status_code == 409
    assert twice.json()["type"] == "freeze-lifted"
    assert (await client.get("/admin/freezes", headers=admin.auth)).json()["freezes"] == []
    buy = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    assert buy.status_code == 200, buy.text


async def test_each_refused_batch_item_gets_its_own_problem(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    admin: Player,
    sign_up: SignUp,
) -> None:
    server = await account(app, client, api_settings, "service")
    calm, suspect = await sign_up(), await sign_up()
    placed = await freeze(client, admin, "player", suspect.username)
    transfers = [
        {"kind": "top_up", "playerId": calm.user_id, "amount": 10},
        {"kind": "top_up", "playerId": suspect.user_id, "amount": 10},
        {"kind": "top_up", "playerId": calm.user_id, "amount": 10},
    ]
    response = await client.post(
        "/batch/transfers", json={"transfers": transfers}, headers=server.auth
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["ok", "error", "ok"]
    problem = results[1]["problem"]
    assert (problem["type"], problem["status"]) == ("frozen", 423)
    assert problem["freezeId"] == placed["freezeId"]


async def test_only_operators_freeze(client: httpx.AsyncClient, player: Player) -> None:
    body = {"scope": "asset", "target": "diamond", "reason": "mine"}
    response = await client.post("/admin/freezes", json=body, headers=player.auth)
    assert response.status_code == 403
    unknown = await client.get("/admin/freezes", headers=player.auth)
    assert unknown.status_code == 403
