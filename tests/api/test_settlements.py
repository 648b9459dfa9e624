"""Match settlements over HTTP for a game server: the pot, the payouts, the rake, refusals."""

from typing import Any

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, SignUp
from tests.api.test_batch_and_ops import _service


async def staked(
    client: httpx.AsyncClient, server: Player, player: Player, asset: str = "diamond"
) -> str:
    body = {"player": player.username, "asset": asset, "amount": 100, "expiresIn": 600}
    placed = await client.post("/holds", json=body, headers=server.auth)
    assert placed.status_code == 201, placed.text
    hold_id: str = placed.json()["holdId"]
    return hold_id


async def test_a_match_settled_and_its_refusals(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    server = await _service(app, client, api_settings)
    players = [await sign_up() for _ in range(3)]
    for p in players:
        assert (await client.post("/top-up", json={}, headers=p.auth)).status_code == 200
    holds = [await staked(client, server, p) for p in players[:2]]
    body = {"holds": holds, "payouts": [{"to": players[0].username, "amount": 180}], "memo": "m7"}
    headers = {**server.auth, "Idempotency-Key": "match-7"}
    settled = await client.post("/settlements", json=body, headers=headers)
    assert settled.status_code == 200, settled.text
    result = settled.json()
    assert set(result) == {"settlementId", "transferId", "pot", "paid", "rake"}
    assert (result["pot"], result["paid"], result["rake"]) == (200, 180, 20)
    assert (await client.post("/settlements", json=body, headers=headers)).json() == result
    winner = (await client.get("/balance", headers=players[0].auth)).json()
    assert winner["balance"] == 180
    shown = (await client.get(f"/holds/{holds[1]}", headers=server.auth)).json()
    assert (shown["status"], shown["captured"]) == ("captured", 100)

    async def refused(body: dict[str, Any], who: Player = server) -> tuple[int, str]:
        reply = await client.post("/settlements", json=body, headers=who.auth)
        assert reply.json()["error"]
        return reply.status_code, reply.json()["type"]

    fresh = await staked(client, server, players[2])
    assert await refused({"holds": [fresh], "payouts": []}, players[2]) == (403, "forbidden")
    assert await refused({"holds": [holds[0]], "payouts": []}) == (409, "hold-not-pending")
    over = {"holds": [fresh], "payouts": [{"to": players[0].username, "amount": 101}]}
    assert await refused(over) == (422, "payouts-exceed-pot")
    assert (await client.post("/top-up", json={}, headers=players[1].auth)).status_code == 200
    bought = await client.post("/purchase", json={"item": "treasure_box"}, headers=players[1].auth)
    assert bought.status_code == 200, bought.text
    body = {"player": players[1].username, "asset": "treasure_box", "amount": 1, "expiresIn": 60}
    box = (await client.post("/holds", json=body, headers=server.auth)).json()["holdId"]
    assert await refused({"holds": [fresh, box], "payouts": []}) == (422, "mixed-assets")
    assert await refused({"holds": ["no-such-hold"], "payouts": []}) == (404, "unknown-hold")
    assert await refused({"holds": [], "payouts": []}) == (400, "invalid-body")
