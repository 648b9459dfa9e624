"""Trades over HTTP between two players: the contract's fields and statuses, escrow in `held`,
the swap, the list, and every refusal's problem type."""

from typing import Any

import httpx

from tests.api.conftest import Player, SignUp, fresh_history, settled

OFFER = {"give": {"gold_coin": 2}, "want": {"diamond": 30}}


async def funded(client: httpx.AsyncClient, player: Player, coins: int = 0) -> Player:
    """The player after a top-up of 100 diamonds and buying `coins` gold coins (10 each)."""
    assert (await client.post("/top-up", json={}, headers=player.auth)).status_code == 200
    if coins:
        bought = await client.post(
            "/purchase", json={"item": "gold_coin", "quantity": coins}, headers=player.auth
        )
        assert bought.status_code == 200, bought.text
    return player


async def wallet(client: httpx.AsyncClient, player: Player) -> dict[str, Any]:
    reply = await client.get("/balance", headers=player.auth)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def test_an_offer_escrowed_listed_and_accepted(
    client: httpx.AsyncClient, sign_up: SignUp, admin: Player
) -> None:
    alice = await funded(client, await sign_up(), coins=2)
    bob = await funded(client, await sign_up())
    headers = {**alice.auth, "Idempotency-Key": "offer-1"}
    body = {"to": bob.username, **OFFER, "expiresIn": 600}
    made = await client.post("/trades", json=body, headers=headers)
    assert made.status_code == 201, made.text
    trade = made.json()
    assert set(trade) == {"tradeId", "status", "from", "to", "give", "want", "expiresAt"}
    assert (trade["status"], trade["from"], trade["to"]) == ("open", alice.username, bob.username)
    assert (trade["give"], trade["want"]) == (OFFER["give"], OFFER["want"])
    assert (await client.post("/trades", json=body, headers=headers)).json() == trade  # once
    await settled(client, admin)
    mine = await wallet(client, alice)
    assert (mine["inventory"]["goldCoins"], mine["held"]) == (0, {"gold_coin": 2})
    listed = await client.get("/trades", params={"status": "open"}, headers=bob.auth)
    assert listed.json()["trades"] == [trade]
    url = f"/trades/{trade['tradeId']}"
    accepted = await client.post(f"{url}/accept", headers=bob.auth)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    late = await client.post(f"{url}/cancel", headers=alice.auth)
    assert (late.status_code, late.json()["type"], late.json()["tradeStatus"]) == (
        409,
        "trade-not-open",
        "accepted",
    )
    assert late.json()["error"]
    assert (await client.get(url, headers=alice.auth)).json()["status"] == "accepted"
    await settled(client, admin)
    mine, theirs = await wallet(client, alice), await wallet(client, bob)
    assert (mine["balance"], mine["inventory"]["goldCoins"], mine["held"]) == (110, 0, {})
    assert (theirs["balance"], theirs["inventory"]["goldCoins"]) == (70, 2)
    assert (await client.get("/trades", params={"status": "open"}, headers=bob.auth)).json() == {
        "trades": []
    }
    [entry, *_] = (await fresh_history(client, bob))["entries"]
    assert (entry["code"], entry["tradeId"], entry["counterparty"]) == (
        "trade_accept",
        trade["tradeId"],
        alice.username,
    )


async def test_decline_and_cancel_give_the_escrow_back(
    client: httpx.AsyncClient, sign_up: SignUp, admin: Player
) -> None:
    alice = await funded(client, await sign_up(), coins=2)
    bob = await funded(client, await sign_up())
    for closer, action, status in ((bob, "decline", "declined"), (alice, "cancel", "cancelled")):
        made = await client.post("/trades", json={"to": bob.username, **OFFER}, headers=alice.auth)
        assert made.status_code == 201, made.text
        url = f"/trades/{made.json()['tradeId']}/{action}"
        closed = await client.post(url, headers=closer.auth)
        assert (closed.status_code, closed.json()["status"]) == (200, status)
    await settled(client, admin)
    mine = await wallet(client, alice)
    assert (mine["balance"], mine["inventory"]["goldCoins"], mine["held"]) == (80, 2, {})
    statuses = [
        t["status"] for t in (await client.get("/trades", headers=bob.auth)).json()["trades"]
    ]
    assert sorted(statuses) == ["cancelled", "declined"]


async def test_refusals(client: httpx.AsyncClient, sign_up: SignUp) -> None:
    alice = await funded(client, await sign_up(), coins=2)
    bob = await funded(client, await sign_up())
    stranger = await sign_up()

    async def offered(body: dict[str, Any]) -> tuple[int, str]:
        reply = await client.post("/trades", json=body, headers=alice.auth)
        assert reply.json()["error"]
        return reply.status_code, reply.json()["type"]

    assert await offered({"to": alice.username, **OFFER}) == (422, "self-transfer")
    assert await offered({"to": "nobody_at_all", **OFFER}) == (404, "unknown-player")
    more = {"to": bob.username, "give": {"gold_coin": 3}, "want": {"diamond": 1}}
    assert await offered(more) == (422, "insufficient-funds")
    assert await offered({"to": bob.username, "give": {}, "want": {"diamond": 1}}) == (
        400,
        "invalid-body",
    )
    made = await client.post("/trades", json={"to": bob.username, **OFFER}, headers=alice.auth)
    url = f"/trades/{made.json()['tradeId']}"
    own = await client.post(f"{url}/accept", headers=alice.auth)
    assert (own.status_code, own.json()["type"]) == (403, "forbidden")
    for path in (f"{url}/decline", url):
        unseen = await (client.post if path != url else client.get)(path, headers=stranger.auth)
        assert (unseen.status_code, unseen.json()["type"]) == (404, "unknown-trade")
    assert (await client.post("/trades", json=OFFER)).status_code == 401
