"""The operators' API: economy, projectors, audit, replay, lookup and correcting transfers."""

import httpx
from litestar import Litestar

from infra import credentials
from infra.config import Settings
from service.admins import create_admin
from tests.api.conftest import FAST_HASHER, PASSWORD, Player, fresh_history, settled
from tests.api.test_validation import assert_problem


async def test_economy_shows_supply_and_treasury(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    await client.post("/purchase", json={"item": "treasure_box"}, headers=rich_player.auth)
    await settled(client, admin)
    body = (await client.get("/admin/economy", headers=admin.auth)).json()
    diamonds = next(a for a in body["assets"] if a["asset"] == "diamond")
    assert diamonds["supply"] == diamonds["genesis"] == 2_000_000_000
    assert diamonds["circulating"] == 950
    assert diamonds["treasury"] == body["treasuryBalance"] == 2_000_000_000 - 950
    assert len(body["shards"]) == 4
    boxes = next(a for a in body["assets"] if a["asset"] == "treasure_box")
    assert boxes["circulating"] == 1


async def test_projectors_report_their_lag(client: httpx.AsyncClient, admin: Player) -> None:
    await settled(client, admin)
    body = (await client.get("/admin/projectors", headers=admin.auth)).json()
    names = {p["name"] for p in body["projectors"]}
    assert {"players", "accounts", "treasury", "history"} <= names
    assert {p["status"] for p in body["projectors"]} == {"up-to-date"}


async def test_transfers_per_minute(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    await settled(client, admin)
    response = await client.get(
        "/admin/economy/transfers-per-minute", params={"minutes": 5}, headers=admin.auth
    )
    points = response.json()["points"]
    assert len(points) == 5
    assert sum(p["transfers"] for p in points) >= 1


async def test_the_audit_passes_on_a_healthy_ledger(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    await settled(client, admin)
    response = await client.post("/admin/audit", headers=admin.auth)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"], body
    assert body["events"] > 0
    assert all(c["ok"] for c in body["checks"])


async def test_a_stream_replays_with_the_state_after_each_event(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    for name in (rich_player.username, f"player:{rich_player.user_id}"):
        body = (await client.get(f"/admin/streams/{name}", headers=admin.auth)).json()
        assert body["streamId"] == f"player:{rich_player.user_id}"
        assert [e["type"] for e in body["events"]] == [
            "player_registered",
            "transferred",
            "transferred",
        ]
        assert body["events"][-1]["stateAfter"]["balances"] == {"diamond": 990, "gold_coin": 1}
        assert "password" not in str(body)
        assert "argon2" not in str(body)
    until = await client.get(
        f"/admin/streams/{rich_player.username}", params={"untilVersion": 2}, headers=admin.auth
    )
    assert len(until.json()["events"]) == 2


async def test_an_unknown_stream_is_404(client: httpx.AsyncClient, admin: Player) -> None:
    response = await client.get("/admin/streams/player:nobody", headers=admin.auth)
    assert_problem(response, 404, "not-found")


async def test_lookup_a_player_by_username(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    response = await client.get(f"/admin/players/{rich_player.username}", headers=admin.auth)
    body = response.json()
    assert body["playerId"] == rich_player.user_id
    assert (body["role"], body["balance"]) == ("player", 1000)
    assert "passwordHash" not in body
    assert "argon2" not in response.text
    missing = await client.get("/admin/players/nobody_at_all", headers=admin.auth)
    assert_problem(missing, 404, "unknown-player")


async def test_a_reversal_undoes_a_purchase_with_a_reason(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    bought = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    transfer = bought.json()["transferId"]
    body = {"playerId": rich_player.user_id, "reason": "bought by mistake"}
    path = f"/admin/transfers/{transfer}/reversal"
    reversed_ = await client.post(path, json=body, headers=admin.auth)
    assert reversed_.status_code == 200, reversed_.text
    result = reversed_.json()
    assert (result["reverses"], result["balance"]) == (transfer, 1000)
    assert result["inventory"] == {"goldCoins": 0, "treasureBoxes": 0}
    entry = (await fresh_history(client, rich_player))["entries"][0]
    assert (entry["code"], entry["reverses"], entry["reason"]) == (
        "reversal",
        transfer,
        "bought by mistake",
    )
    again = await client.post(path, json=body, headers=admin.auth)
    assert_problem(again, 409, "already-reversed")


async def test_reversal_errors(
    client: httpx.AsyncClient, admin: Player, rich_player: Player, player: Player
) -> None:
    body = {"playerId": rich_player.user_id, "reason": "why not"}
    unknown = await client.post("/admin/transfers/nope/reversal", json=body, headers=admin.auth)
    assert_problem(unknown, 404, "unknown-transfer")
    nobody = {"playerId": "00000000-0000-0000-0000-000000000000", "reason": "x"}
    missing = await client.post("/admin/transfers/nope/reversal", json=nobody, headers=admin.auth)
    assert_problem(missing, 404, "unknown-player")
    blank = await client.post(
        "/admin/transfers/x/reversal",
        json={"playerId": player.user_id, "reason": ""},
        headers=admin.auth,
    )
    assert_problem(blank, 400, "invalid-body")


async def test_a_spent_top_up_cannot_be_reversed(
    client: httpx.AsyncClient, admin: Player, player: Player
) -> None:
    top_up = (await client.post("/top-up", json={"amount": 50}, headers=player.auth)).json()
    await client.post("/purchase", json={"item": "treasure_box"}, headers=player.auth)
    body = {"playerId": player.user_id, "reason": "chargeback"}
    response = await client.post(
        f"/admin/transfers/{top_up['transferId']}/reversal", json=body, headers=admin.auth
    )
    assert_problem(response, 422, "insufficient-funds")


async def test_a_rebuild_starts_in_the_background(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    started = await client.post("/admin/projectors/players/rebuild", headers=admin.auth)
    assert started.status_code == 202
    assert started.json() == {"name": "players", "status": "started"}
    unknown = await client.post("/admin/projectors/nothing/rebuild", headers=admin.auth)
    assert_problem(unknown, 404, "not-found")
    await settled(client, admin)
    wallet = (await client.get("/balance", headers=rich_player.auth)).json()
    assert wallet["balance"] == 1000


async def test_admin_create_promotes_an_existing_player(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    outcome = await create_admin(
        app.state.pool, api_settings, player.username, "new-password-1", FAST_HASHER
    )
    assert outcome == "promoted"
    old = await client.post("/login", json={"username": player.username, "password": PASSWORD})
    assert old.status_code == 401
    login = await client.post(
        "/login", json={"username": player.username, "password": "new-password-1"}
    )
    token = login.json()["token"]
    response = await client.get("/admin/economy", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    async with app.state.pool.acquire() as conn:
        found = await credentials.by_player(conn, player.user_id)
    assert found is not None
    assert found.role == "admin"


async def test_a_demoted_admins_token_stops_working_at_once(
    app: Litestar, client: httpx.AsyncClient, admin: Player
) -> None:
    assert (await client.get("/admin/economy", headers=admin.auth)).status_code == 200
    async with app.state.pool.acquire() as conn:
        found = await credentials.by_player(conn, admin.user_id)
        assert found is not None
        await credentials.set_role(conn, admin.user_id, "player", found.password_hash)
    assert_problem(await client.get("/admin/economy", headers=admin.auth), 403, "forbidden")
