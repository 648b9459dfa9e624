"""Metadata over HTTP: every write takes it, history and replay show it, bad labels are refused."""

from typing import Any

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, SignUp, fresh_history, settled
from tests.api.test_batch_and_ops import _service


async def labels_by_code(client: httpx.AsyncClient, player: Player) -> list[tuple[str, Any]]:
    page = await fresh_history(client, player, {"limit": 50})
    return [(e["code"], e["metadata"]) for e in reversed(page["entries"])]


async def test_every_write_stores_its_metadata_and_history_shows_it(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    sign_up: SignUp,
    admin: Player,
) -> None:
    alice, bob = await sign_up(), await sign_up()
    server = await _service(app, client, api_settings)

    async def ok(path: str, body: dict[str, Any], who: Player) -> dict[str, Any]:
        reply = await client.post(path, json=body, headers=who.auth)
        assert reply.status_code in (200, 201), reply.text
        data: dict[str, Any] = reply.json()
        return data

    await ok("/top-up", {"amount": 500, "metadata": {"storeOrder": "GPA.1"}}, alice)
    bought = await ok("/purchase", {"item": "gold_coin", "metadata": {"matchId": "m1"}}, alice)
    gift = {"to": bob.username, "asset": "diamond", "amount": 5, "metadata": {"ticket": "T-9"}}
    await ok("/transfers", gift, alice)
    stake = {"player": alice.username, "asset": "diamond", "amount": 30, "expiresIn": 600}
    hold = await ok("/holds", {**stake, "metadata": {"matchId": "m2"}}, server)
    await ok(
        f"/holds/{hold['holdId']}/capture", {"amount": 20, "metadata": {"matchId": "m2"}}, server
    )
    other = await ok("/holds", stake, server)
    await ok(f"/holds/{other['holdId']}/void", {"metadata": {"why": "cancelled"}}, server)
    batch = {"transfers": [{"kind": "top_up", "playerId": alice.user_id, "amount": 7,
                            "metadata": {"campaign": "xmas"}}]}  # fmt: skip
    assert (await ok("/batch/transfers", batch, server))["applied"] == 1
    reversal = {"playerId": alice.user_id, "reason": "refund", "metadata": {"ticket": "T-10"}}
    await ok(f"/admin/transfers/{bought['transferId']}/reversal", reversal, admin)
    offer = {"to": bob.username, "give": {"diamond": 3}, "want": {"gold_coin": 1}}
    await ok("/trades", {**offer, "metadata": {"offer": "o1"}}, alice)
    match = await ok("/holds", stake, server)
    payouts = {"holds": [match["holdId"]], "payouts": [{"to": bob.username, "amount": 5}]}
    await ok("/settlements", {**payouts, "metadata": {"matchId": "m3"}}, server)

    await settled(client, admin)
    assert await labels_by_code(client, alice) == [
        ("top_up", {"storeOrder": "GPA.1"}),
        ("purchase", {"matchId": "m1"}),
        ("gift", {"ticket": "T-9"}),
        ("hold", {"matchId": "m2"}),
        ("hold_capture", {"matchId": "m2"}),
        ("hold", {}),
        ("hold_void", {"why": "cancelled"}),
        ("top_up", {"campaign": "xmas"}),
        ("reversal", {"ticket": "T-10"}),
        ("trade_offer", {"offer": "o1"}),
        ("hold", {}),  # the stake left alice's wallet here; the settlement pays from the hold
    ]
    assert await labels_by_code(client, bob) == [
        ("gift", {"ticket": "T-9"}),
        ("settlement", {"matchId": "m3"}),
    ]


async def test_replay_shows_the_metadata_of_each_event(
    client: httpx.AsyncClient, sign_up: SignUp, admin: Player
) -> None:
    signup = {"username": "meta_carol", "password": "correct horse battery"}
    created = await client.post("/signup", json={**signup, "metadata": {"source": "ad-42"}})
    assert created.status_code == 201, created.text
    token = (await client.post("/login", json=signup)).json()["token"]
    carol = Player(created.json()["userId"], "meta_carol", "", token)
    await client.post("/top-up", json={"metadata": {"storeOrder": "S-1"}}, headers=carol.auth)
    replay = await client.get("/admin/streams/meta_carol", headers=admin.auth)
    assert replay.status_code == 200, replay.text
    assert [e["event"]["metadata"] for e in replay.json()["events"]] == [
        {"source": "ad-42"},
        {"storeOrder": "S-1"},
    ]


async def test_metadata_breaking_a_rule_is_a_problem_naming_it(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    cases = [
        ({f"k{i}": "v" for i in range(17)}, "invalid-metadata", "17 keys"),
        ({"match-id": "1"}, "invalid-metadata", '"match-id"'),
        ({"note": "x" * 257}, "invalid-metadata", "257 characters"),
        ({"n": 5}, "invalid-body", "metadata value must be a string"),
        (["matchId"], "invalid-body", "metadata must be an object"),
    ]
    for metadata, slug, named in cases:
        reply = await client.post(
            "/purchase", json={"item": "gold_coin", "metadata": metadata}, headers=rich_player.auth
        )
        assert (reply.status_code, reply.json()["type"]) == (400, slug), reply.text
        assert named in reply.json()["error"], reply.json()
    balance = (await client.get("/balance", headers=rich_player.auth)).json()
    assert balance["balance"] == 1000  # nothing was bought


async def test_the_same_key_with_other_metadata_is_a_reused_key(
    client: httpx.AsyncClient, player: Player
) -> None:
    headers = {**player.auth, "Idempotency-Key": "order-1"}
    first = await client.post("/top-up", json={"metadata": {"o": "1"}}, headers=headers)
    again = await client.post("/top-up", json={"metadata": {"o": "1"}}, headers=headers)
    assert again.json() == first.json()
    other = await client.post("/top-up", json={"metadata": {"o": "2"}}, headers=headers)
    assert (other.status_code, other.json()["type"]) == (422, "idempotency-key-reused")
