"""The existing game client's contract, end to end: field names exactly as it reads them."""

from typing import Any

import httpx

from api.http.app import create_app
from infra.config import Settings
from tests.api.conftest import PASSWORD, SECRET, Player, SignUp, fresh_history


async def test_health_is_up_with_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "UP", "database": "CONNECTED"}


async def test_signup_answers_201_with_the_new_player(client: httpx.AsyncClient) -> None:
    response = await client.post("/signup", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"userId", "username", "referralCode", "status"}
    assert body["username"] == "alice"
    assert body["status"] == "Created"
    assert len(body["referralCode"]) == 10


async def test_referral_codes_are_unique(sign_up: SignUp) -> None:
    codes = {(await sign_up()).referral_code for _ in range(5)}
    assert len(codes) == 5


async def test_login_answers_a_bearer_token(client: httpx.AsyncClient, player: Player) -> None:
    response = await client.post("/login", json={"username": player.username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == 86400  # a day: the shipped client never refreshes
    assert body["token"].count(".") == 2
    assert response.headers["cache-control"] == "no-store"


async def test_login_ignores_the_case_of_the_username(
    client: httpx.AsyncClient, player: Player
) -> None:
    body = {"username": player.username.upper(), "password": PASSWORD}
    assert (await client.post("/login", json=body)).status_code == 200


async def test_a_new_wallet_lists_every_item_at_zero(
    client: httpx.AsyncClient, player: Player
) -> None:
    response = await client.get("/balance", headers=player.auth)
    assert response.status_code == 200
    assert response.json() == {
        "username": player.username,
        "balance": 0,
        "version": 1,
        "referralCode": player.referral_code,
        "inventory": {"goldCoins": 0, "treasureBoxes": 0},
        "held": {},  # added by issue 14: what pending holds set aside (every other field stays)
        "wallet": {"diamond": 0},  # added by issue 15: every currency of the catalog
        "debt": {},  # added by issue 17: refunded store currency the player had already spent
        "energies": {},  # added by issue 23: every catalog energy (this catalog has none)
        "lots": {},  # added by issue 23: lots of the currencies that expire, soonest first
    }


async def test_top_up_defaults_to_100_when_the_body_is_empty(
    client: httpx.AsyncClient, player: Player
) -> None:
    response = await client.post("/top-up", headers=player.auth)
    assert response.status_code == 200
    body = response.json()
    assert body["balance"] == 100
    assert body["version"] == 2
    assert body["transferId"]


async def test_top_up_with_an_empty_object_also_adds_100(
    client: httpx.AsyncClient, player: Player
) -> None:
    response = await client.post("/top-up", json={}, headers=player.auth)
    assert response.json()["balance"] == 100


async def test_top_up_then_purchase_then_balance(client: httpx.AsyncClient, player: Player) -> None:
    topped = await client.post("/top-up", json={"amount": 500}, headers=player.auth)
    assert topped.json()["balance"] == 500
    bought = await client.post(
        "/purchase", json={"item": "gold_coin", "quantity": 3}, headers=player.auth
    )
    assert bought.status_code == 200
    body = bought.json()
    assert body["balance"] == 470
    assert body["inventory"] == {"goldCoins": 3, "treasureBoxes": 0}
    assert body["transferId"] != topped.json()["transferId"]
    box = await client.post("/purchase", json={"item": "treasure_box"}, headers=player.auth)
    assert box.json()["inventory"] == {"goldCoins": 3, "treasureBoxes": 1}
    wallet = (await client.get("/balance", headers=player.auth)).json()
    assert wallet["balance"] == 420
    assert wallet["version"] == 4
    assert wallet["inventory"] == {"goldCoins": 3, "treasureBoxes": 1}


async def test_referral_pays_both_players(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    friend = await sign_up(referral_code=player.referral_code)
    mine = (await client.get("/balance", headers=player.auth)).json()
    theirs = (await client.get("/balance", headers=friend.auth)).json()
    assert mine["balance"] == 50
    assert theirs["balance"] == 50


async def test_items_lists_the_catalog_with_prices(client: httpx.AsyncClient) -> None:
    response = await client.get("/items")
    assert response.status_code == 200
    # Issue 15 added price options, bundles, onUse, sellable and the currencies; the game
    # client's fields (code, name, price, inventoryKey, currency) are unchanged. Issue 23 added
    # each offer's window and limit.
    more = {"grants": {}, "onUse": None, "sellable": True}
    more |= {"availableFrom": None, "availableUntil": None, "limit": None}
    assert response.json() == {
        "currency": "diamond",
        "items": [
            {
                "code": "gold_coin",
                "name": "Gold Coin",
                "price": 10,
                "inventoryKey": "goldCoins",
                "prices": [{"diamond": 10}],
                **more,
            },
            {
                "code": "treasure_box",
                "name": "Treasure Box",
                "price": 50,
                "inventoryKey": "treasureBoxes",
                "prices": [{"diamond": 50}],
                **more,
            },
        ],
        "currencies": [{"code": "diamond", "name": "Diamonds"}],
        "version": 0,
    }


async def test_history_pages_newest_first(client: httpx.AsyncClient, player: Player) -> None:
    for amount in (1, 2, 3, 4, 5):
        await client.post("/top-up", json={"amount": amount}, headers=player.auth)
    page: dict[str, Any] = await fresh_history(client, player, {"limit": 2})
    assert [e["legs"][1]["amount"] for e in page["entries"]] == [5, 4]
    assert page["entries"][0]["code"] == "top_up"
    assert page["entries"][0]["balanceAfter"] == 15
    seen = [e["version"] for e in page["entries"]]
    while page["nextCursor"]:
        params = {"limit": 2, "cursor": page["nextCursor"]}
        page = await fresh_history(client, player, params)
        seen += [e["version"] for e in page["entries"]]
    assert seen == [6, 5, 4, 3, 2]


async def test_history_of_a_purchase_names_the_item(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    await client.post(
        "/purchase", json={"item": "gold_coin", "quantity": 2}, headers=rich_player.auth
    )
    entry = (await fresh_history(client, rich_player))["entries"][0]
    assert (entry["code"], entry["item"], entry["quantity"]) == ("purchase", "gold_coin", 2)
    assert entry["stateAfter"] == {"diamond": 980, "gold_coin": 2}


async def test_openapi_document_and_docs_are_served(client: httpx.AsyncClient) -> None:
    document = await client.get("/schema/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    for path in ("/health", "/signup", "/login", "/balance", "/top-up", "/purchase", "/history"):
        assert path in paths
    assert (await client.get("/schema")).status_code == 200


async def test_cors_allows_the_configured_frontend_only() -> None:
    settings = Settings(
        environment="test", jwt_secret=SECRET, frontend_url="https://game.example, https://x.io/"
    )
    application = create_app(settings, "postgresql://nobody@127.0.0.1:1/none")
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        headers = {"Origin": "https://x.io", "Access-Control-Request-Method": "POST"}
        allowed = await http.options("/top-up", headers=headers)
        assert allowed.headers["access-control-allow-origin"] == "https://x.io"
        assert "access-control-allow-credentials" not in allowed.headers
        headers["Origin"] = "https://evil.example"
        refused = await http.options("/top-up", headers=headers)
        assert "access-control-allow-origin" not in refused.headers
