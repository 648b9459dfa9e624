"""A write that moves a currency other than diamonds answers with `wallet` (issue 25): `balance`
stays diamonds for the game client, so without it a star top-up, gift or refund said nothing of
the stars."""

from typing import Any

import httpx
import pytest
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, SignUp, example_settings
from tests.api.test_batch_and_ops import _service


@pytest.fixture
def api_settings() -> Settings:
    return example_settings()


async def post(client: httpx.AsyncClient, url: str, who: Player, body: object) -> dict[str, Any]:
    reply = await client.post(url, json=body, headers=who.auth)
    assert reply.status_code < 300, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


async def test_star_writes_answer_with_the_wallet_beside_the_diamond_balance(
    client: httpx.AsyncClient, sign_up: SignUp, admin: Player
) -> None:
    alice, bob = await sign_up(), await sign_up()
    topped = await post(client, "/top-up", alice, {"amount": 500, "currency": "star"})
    assert (topped["balance"], topped["wallet"]) == (
        0,
        {"diamond": 0, "star": 500, "event_token": 0},
    )
    gift = {"to": bob.username, "asset": "star", "amount": 120}
    given = await post(client, "/transfers", alice, gift)
    assert (given["balance"], given["wallet"]) == (0, {"diamond": 0, "star": 380, "event_token": 0})
    await post(client, "/purchase", alice, {"item": "gold_coin", "price": 1})  # 80 stars
    await post(client, "/top-up", alice, {"amount": 100})
    bought = await post(client, "/purchase", alice, {"item": "gold_coin"})  # 10 diamonds
    reversal = {"playerId": alice.user_id, "reason": "support"}
    url = f"/admin/transfers/{bought['transferId']}/reversal"
    reversed_ = await post(client, url, admin, reversal)
    assert (reversed_["balance"], reversed_["wallet"]) == (
        100,
        {"diamond": 100, "star": 300, "event_token": 0},
    )
    found = (await client.get(f"/admin/players/{alice.username}", headers=admin.auth)).json()
    assert found["wallet"] == {"diamond": 100, "star": 300, "event_token": 0}


async def test_batch_results_carry_the_wallet(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    server = await _service(app, client, api_settings)
    alice = await sign_up()
    top_up = {"kind": "top_up", "playerId": alice.user_id, "amount": 70, "currency": "star"}
    buy = {"kind": "purchase", "playerId": alice.user_id, "item": "coin_pouch"}
    answer = await post(client, "/batch/transfers", server, {"transfers": [top_up, buy, buy]})
    results = answer["results"]
    assert [r["wallet"] for r in results] == [
        {"diamond": 0, "star": 70, "event_token": 0},
        {"diamond": 0, "star": 20, "event_token": 0},
        None,
    ]
    assert results[2]["problem"]["error"]
