"""Privileged accounts are not wallets (issue 20, item 6): top-ups, grants, batches, purchases,
and the audit's report of any balance one holds.

Service and admin accounts once topped themselves up. Money from the treasury now reaches
players only: every refusal is 422 `not-a-player` with nothing written.
"""

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player
from tests.api.test_privileged_accounts import account, not_a_player, state


async def test_a_privileged_account_cannot_top_itself_up(
    client: httpx.AsyncClient, privileged: Player
) -> None:
    before = await state(client, privileged)
    refused = await client.post("/top-up", json={"amount": 100}, headers=privileged.auth)
    not_a_player(refused, privileged.user_id)
    assert await state(client, privileged) == before


async def test_a_privileged_account_buys_nothing(
    client: httpx.AsyncClient, privileged: Player
) -> None:
    before = await state(client, privileged)
    refused = await client.post("/purchase", json={"item": "gold_coin"}, headers=privileged.auth)
    not_a_player(refused, "This account")
    assert await state(client, privileged) == before


async def test_a_promoted_player_can_no_longer_buy_or_use_items(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, rich_player: Player
) -> None:
    bought = await client.post("/purchase", json={"item": "treasure_box"}, headers=rich_player.auth)
    assert bought.status_code == 200, bought.text
    await account(app, client, api_settings, "service", name=rich_player.username)
    before = await state(client, rich_player)
    for path, body in (("/purchase", {"item": "gold_coin"}), ("/items/treasure_box/use", {})):
        not_a_player(await client.post(path, json=body, headers=rich_player.auth), "This account")
    assert await state(client, rich_player) == before


async def test_grants_reach_players_only(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, privileged: Player
) -> None:
    server = await account(app, client, api_settings, "service")
    before = await state(client, privileged, server)
    for target in (privileged, server):
        grant = {"player": target.username, "amount": 50, "reason": "prize"}
        not_a_player(await client.post("/grants", json=grant, headers=server.auth), target.username)
    assert await state(client, privileged, server) == before


async def test_batch_top_ups_reach_players_only(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    player: Player,
    privileged: Player,
) -> None:
    server = await account(app, client, api_settings, "service")
    transfers = [
        {"kind": "top_up", "playerId": player.user_id, "amount": 5},
        {"kind": "top_up", "playerId": privileged.user_id, "amount": 5},
    ]
    before = await state(client, privileged)
    reply = await client.post(
        "/batch/transfers", json={"transfers": transfers}, headers=server.auth
    )
    body = reply.json()
    assert (body["applied"], body["failed"]) == (1, 1), body
    problem = body["results"][1]["problem"]
    assert (problem["type"], problem["status"]) == ("not-a-player", 422)
    assert privileged.user_id in problem["detail"]
    atomic = {"transfers": transfers, "atomic": True}
    again = (await client.post("/batch/transfers", json=atomic, headers=server.auth)).json()
    assert again["applied"] == 0
    assert [r["problem"]["type"] for r in again["results"]] == ["batch-aborted", "not-a-player"]
    assert await state(client, privileged) == before
    assert (await state(client, player))[0][0] == 5  # the first batch's top-up only


async def test_the_audit_reports_a_balance_held_by_a_promoted_player(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    rich_player: Player,
    admin: Player,
) -> None:
    clean = (await client.post("/admin/audit", headers=admin.auth)).json()
    assert clean["ok"], clean
    await account(app, client, api_settings, "admin", name=rich_player.username)
    report = (await client.post("/admin/audit", headers=admin.auth)).json()
    assert not report["ok"]
    [check] = [c for c in report["checks"] if not c["ok"]]
    assert check["name"] == "privileged_balances"
    assert check["findings"] == [
        f"{rich_player.username} (admin, {rich_player.user_id}): holds {{'diamond': 1000}}"
    ]
    # From the promotion on, the wallet takes nothing more.
    refused = await client.post("/top-up", json={"amount": 1}, headers=rich_player.auth)
    not_a_player(refused, rich_player.user_id)
