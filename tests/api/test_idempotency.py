"""Retries over HTTP: one effect per key; concurrent writes never answer 5xx."""

import asyncio
import uuid

import httpx

from tests.api.conftest import PASSWORD, Player, SignUp
from tests.api.test_validation import assert_problem


def keyed(player: Player, key: str) -> dict[str, str]:
    return {**player.auth, "Idempotency-Key": key}


async def test_a_retried_top_up_has_one_effect(client: httpx.AsyncClient, player: Player) -> None:
    headers = keyed(player, "top-up-1")
    first = await client.post("/top-up", json={"amount": 40}, headers=headers)
    again = await client.post("/top-up", json={"amount": 40}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    wallet = (await client.get("/balance", headers=player.auth)).json()
    assert (wallet["balance"], wallet["version"]) == (40, 2)


async def test_a_retried_purchase_has_one_effect(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    headers = keyed(rich_player, str(uuid.uuid4()))
    body = {"item": "treasure_box", "quantity": 2}
    answers = [await client.post("/purchase", json=body, headers=headers) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    wallet = (await client.get("/balance", headers=rich_player.auth)).json()
    assert wallet["balance"] == 900
    assert wallet["inventory"]["treasureBoxes"] == 2


async def test_a_key_reused_with_another_body_is_refused(
    client: httpx.AsyncClient, player: Player
) -> None:
    headers = keyed(player, "shared-key")
    assert (await client.post("/top-up", json={"amount": 10}, headers=headers)).status_code == 200
    reused = await client.post("/top-up", json={"amount": 11}, headers=headers)
    body = assert_problem(reused, 422, "idempotency-key-reused")
    assert body["idempotencyKey"] == "shared-key"
    other_kind = await client.post("/purchase", json={"item": "gold_coin"}, headers=headers)
    assert_problem(other_kind, 422, "idempotency-key-reused")
    assert (await client.get("/balance", headers=player.auth)).json()["balance"] == 10


async def test_keys_are_scoped_to_the_player(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    other = keyed(await sign_up(), "same")
    mine = keyed(player, "same")
    assert (await client.post("/top-up", json={"amount": 5}, headers=mine)).status_code == 200
    theirs = await client.post("/top-up", json={"amount": 7}, headers=other)
    assert theirs.status_code == 200
    assert theirs.json()["balance"] == 7


async def test_concurrent_retries_with_one_key_apply_once(
    client: httpx.AsyncClient, player: Player
) -> None:
    headers = keyed(player, "burst")
    answers = await asyncio.gather(
        *(client.post("/top-up", json={"amount": 3}, headers=headers) for _ in range(10))
    )
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["transferId"] for a in answers}) == 1
    assert (await client.get("/balance", headers=player.auth)).json()["balance"] == 3


async def test_a_retried_signup_returns_the_same_player(client: httpx.AsyncClient) -> None:
    body = {"username": "retrying", "password": PASSWORD}
    first = await client.post("/signup", json=body, headers={"Idempotency-Key": "s-1"})
    again = await client.post("/signup", json=body, headers={"Idempotency-Key": "s-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


async def test_concurrent_purchases_never_fail_with_5xx(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    body = {"item": "gold_coin"}
    answers = await asyncio.gather(
        *(client.post("/purchase", json=body, headers=rich_player.auth) for _ in range(120))
    )
    statuses = [a.status_code for a in answers]
    assert all(s < 500 for s in statuses), statuses
    ok = statuses.count(200)
    for answer in answers:
        if answer.status_code != 200:  # the only acceptable refusals
            assert answer.json()["type"] in {"insufficient-funds", "version-conflict"}
    wallet = (await client.get("/balance", headers=rich_player.auth)).json()
    assert 0 < ok <= 100  # 1000 diamonds buy at most 100 coins
    assert wallet["inventory"]["goldCoins"] == ok
    assert wallet["balance"] == 1000 - 10 * ok


async def test_concurrent_players_top_up_and_buy_together(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    players = [await sign_up() for _ in range(8)]

    async def session(p: Player) -> list[int]:
        codes = []
        for _ in range(5):
            topped = await client.post("/top-up", json={"amount": 20}, headers=p.auth)
            bought = await client.post("/purchase", json={"item": "gold_coin"}, headers=p.auth)
            codes += [topped.status_code, bought.status_code]
        return codes

    results = await asyncio.gather(*(session(p) for p in players))
    assert {code for codes in results for code in codes} == {200}
