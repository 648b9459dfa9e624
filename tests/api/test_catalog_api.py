"""The two-currency example catalog over HTTP: the wallet, top-ups per currency, price options,
opening a box, the published odds, and applying a catalog while running."""

from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, example_settings, fresh_history, settled
from tests.api.test_batch_and_ops import _service
from tests.api.test_validation import assert_problem
from tests.catalogs import example_catalog

ITEM_KEYS = (
    "goldCoins", "treasureBoxes", "gems", "starterPacks", "coinPouches", "matchEntries",
    "winterBundles",
)  # fmt: skip


@pytest.fixture
def api_settings() -> Settings:
    return example_settings()


async def wallet(client: httpx.AsyncClient, player: Player) -> dict[str, Any]:
    reply = await client.get("/balance", headers=player.auth)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def funded(client: httpx.AsyncClient, player: Player) -> Player:
    for body in ({"amount": 1000}, {"amount": 2000, "currency": "star"}):
        reply = await client.post("/top-up", json=body, headers=player.auth)
        assert reply.status_code == 200, reply.text
    return player


async def test_the_wallet_shows_every_currency_and_the_inventory_every_item(
    client: httpx.AsyncClient, player: Player
) -> None:
    star = await client.post(
        "/top-up", json={"amount": 500, "currency": "star"}, headers=player.auth
    )
    assert star.json()["balance"] == 0  # `balance` stays diamonds for the game client
    body = await wallet(client, player)
    assert body["balance"] == 0
    assert body["wallet"] == {"diamond": 0, "star": 500, "event_token": 0}
    assert tuple(body["inventory"]) == ITEM_KEYS


async def test_top_ups_are_bounded_per_currency_and_need_a_known_one(
    client: httpx.AsyncClient, player: Player
) -> None:
    over = await client.post(
        "/top-up", json={"amount": 10_001, "currency": "star"}, headers=player.auth
    )
    assert_problem(over, 400, "invalid-amount")
    unknown = await client.post(
        "/top-up", json={"amount": 5, "currency": "ruby"}, headers=player.auth
    )
    body = assert_problem(unknown, 422, "unknown-asset")
    assert body["error"]


async def test_items_publish_price_options_and_drop_odds(client: httpx.AsyncClient) -> None:
    body = (await client.get("/items")).json()
    assert body["currencies"] == [
        {"code": "diamond", "name": "Diamonds"},
        {"code": "star", "name": "Stars"},
        {"code": "event_token", "name": "Event Tokens"},  # issue 23: it expires
    ]
    box = next(i for i in body["items"] if i["code"] == "treasure_box")
    assert box["price"] == 50
    assert box["prices"] == [{"diamond": 50}, {"star": 400}, {"diamond": 20, "star": 150}]
    odds = [(d["weight"], d["probability"]) for d in box["onUse"]["drops"]]
    assert odds == [(70, 0.7), (25, 0.25), (5, 0.05)]


async def test_buying_at_a_mixed_price_and_opening_the_box(
    client: httpx.AsyncClient, player: Player
) -> None:
    await funded(client, player)
    bought = await client.post(
        "/purchase", json={"item": "treasure_box", "price": 2}, headers=player.auth
    )
    assert bought.status_code == 200, bought.text
    assert bought.json()["balance"] == 980
    assert bought.json()["wallet"] == {"diamond": 980, "star": 1850, "event_token": 0}
    assert bought.json()["inventory"]["treasureBoxes"] == 1
    opened = await client.post("/items/treasure_box/use", headers=player.auth)
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert set(body) == {"transferId", "granted", "balance", "version", "inventory", "wallet"}
    assert body["granted"] in ({"gold_coin": 5}, {"gold_coin": 20}, {"gem": 1})
    assert body["inventory"]["treasureBoxes"] == 0


async def test_an_item_without_on_use_is_not_usable(
    client: httpx.AsyncClient, player: Player
) -> None:
    await funded(client, player)
    await client.post("/purchase", json={"item": "gem"}, headers=player.auth)
    refused = await client.post("/items/gem/use", json={"quantity": 1}, headers=player.auth)
    body = assert_problem(refused, 422, "item-not-usable")
    assert body["error"]


async def test_the_batch_endpoint_tops_up_in_a_currency(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, player: Player
) -> None:
    server = await _service(app, client, api_settings)
    one = {"kind": "top_up", "playerId": player.user_id, "amount": 70, "currency": "star"}
    reply = await client.post("/batch/transfers", json={"transfers": [one]}, headers=server.auth)
    assert reply.json()["applied"] == 1, reply.text
    assert (await wallet(client, player))["wallet"]["star"] == 70


async def test_an_operator_applies_a_catalog_and_the_shop_changes_at_once(
    client: httpx.AsyncClient, player: Player, admin: Player
) -> None:
    await funded(client, player)
    doc = msgspec.to_builtins(example_catalog())
    doc.pop("version")
    gem = next(i for i in doc["items"] if i["code"] == "gem")
    gem["price"] = 300
    applied = await client.post("/admin/catalog", json=doc, headers=admin.auth)
    assert applied.status_code == 200, applied.text
    assert applied.json() == {"version": 1, "seeded": []}
    items = (await client.get("/items")).json()
    assert items["version"] == 1
    assert next(i for i in items["items"] if i["code"] == "gem")["price"] == 300
    bought = await client.post("/purchase", json={"item": "gem"}, headers=player.auth)
    assert bought.json()["balance"] == 700
    await settled(client, admin)
    audit = (await client.post("/admin/audit", headers=admin.auth)).json()
    assert audit["ok"], audit


async def test_a_refused_catalog_lists_its_reasons(
    client: httpx.AsyncClient, player: Player, admin: Player
) -> None:
    doc = msgspec.to_builtins(example_catalog())
    doc.pop("version")
    box = next(i for i in doc["items"] if i["code"] == "treasure_box")
    for drop in box["onUse"]["drops"]:
        drop["weight"] = 0
    refused = await client.post("/admin/catalog", json=doc, headers=admin.auth)
    body = assert_problem(refused, 422, "catalog-refused")
    assert body["reasons"] == ["item 'treasure_box' onUse: the drop weights sum to zero"]
    forbidden = await client.post("/admin/catalog", json=doc, headers=player.auth)
    assert forbidden.status_code == 403


async def test_an_item_use_stores_its_metadata_and_history_shows_it(
    client: httpx.AsyncClient, player: Player
) -> None:
    await funded(client, player)
    await client.post("/purchase", json={"item": "treasure_box"}, headers=player.auth)
    body = {"quantity": 1, "metadata": {"matchId": "m-7"}}
    opened = await client.post("/items/treasure_box/use", json=body, headers=player.auth)
    assert opened.status_code == 200, opened.text
    page = await fresh_history(client, player, {"code": "item_use"})
    assert [e["metadata"] for e in page["entries"]] == [{"matchId": "m-7"}]
    bad = {"metadata": {"9lives": "x"}}
    refused = await client.post("/items/treasure_box/use", json=bad, headers=player.auth)
    assert refused.status_code == 400
    assert refused.json()["type"].endswith("invalid-metadata")
