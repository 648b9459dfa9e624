"""`POST /admin/whatif` over HTTP: the report in the API's casing, and a refused catalog."""

import httpx

from tests.api.conftest import Player
from tests.api.test_validation import assert_problem

DOUBLED = {
    "items": [
        {"code": "gold_coin", "name": "Gold Coin", "price": 20},
        {"code": "treasure_box", "name": "Treasure Box", "price": 50},
    ]
}


async def test_the_report_of_a_doubled_price(
    client: httpx.AsyncClient, admin: Player, rich_player: Player
) -> None:
    bought = await client.post(
        "/purchase", json={"item": "gold_coin", "quantity": 3}, headers=rich_player.auth
    )
    assert bought.status_code == 200, bought.text
    response = await client.post("/admin/whatif", json={"catalog": DOUBLED}, headers=admin.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    [diamond] = body["currencies"]
    # 1000 topped up; 3 coins cost 30 now, 60 with the candidate
    assert diamond == {
        "currency": "diamond",
        "spent": {"now": 30, "candidate": 60},
        "granted": {"now": 1000, "candidate": 1000},
        "netSupplyChange": {"now": 970, "candidate": 940},
    }
    assert body["items"] == [
        {"item": "gold_coin", "bought": {"now": 3, "candidate": 3}, "unaffordable": 0}
    ]
    assert body["supply"]["diamond"][-1]["candidate"] == 940


async def test_a_broken_catalog_is_refused(client: httpx.AsyncClient, admin: Player) -> None:
    response = await client.post(
        "/admin/whatif", json={"catalog": {"items": "none"}}, headers=admin.auth
    )
    assert_problem(response, 422, "catalog-refused")


async def test_a_time_without_its_zone_is_refused(client: httpx.AsyncClient, admin: Player) -> None:
    body = {"catalog": DOUBLED, "from": "2030-01-01T00:00:00"}
    response = await client.post("/admin/whatif", json=body, headers=admin.auth)
    assert response.status_code == 400, response.text
