"""The issue's probe: text PostgreSQL cannot store, sent while honest players buy, fails only its
own request (4xx), never theirs (group commit writes them in shared statements)."""

import asyncio

import httpx

from tests.api.conftest import Player, SignUp


async def test_nul_metadata_fails_its_own_request_and_no_honest_purchase(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    players: list[Player] = [await sign_up() for _ in range(8)]
    for player in players:
        funded = await client.post("/top-up", json={"amount": 1000}, headers=player.auth)
        assert funded.status_code == 200, funded.text
    honest = [
        client.post("/purchase", json={"item": "gold_coin"}, headers=p.auth) for p in players * 8
    ]
    nul = {"item": "gold_coin", "metadata": {"note": "a\u0000b"}}
    poisoned = [client.post("/purchase", json=nul, headers=p.auth) for p in players[:4]]
    answers = await asyncio.gather(*honest, *poisoned)
    assert [a.status_code for a in answers[:64]] == [200] * 64
    for answer in answers[64:]:
        assert answer.status_code == 400, answer.text
        assert answer.json()["type"] == "invalid-text"
    for player in players:
        wallet = (await client.get("/balance", headers=player.auth)).json()
        assert wallet["balance"] == 1000 - 8 * 10
