"""POST /transfers over HTTP: the sender's wallet back, the receiver's history, every refusal."""

import httpx
import pytest

from tests.api.conftest import Player, SignUp


async def send(
    client: httpx.AsyncClient, sender: Player, body: dict[str, object], key: str | None = None
) -> httpx.Response:
    headers = {**sender.auth, **({"Idempotency-Key": key} if key else {})}
    return await client.post("/transfers", json=body, headers=headers)


async def test_a_gift_answers_the_senders_wallet_and_shows_in_the_receivers_history(
    client: httpx.AsyncClient, rich_player: Player, sign_up: SignUp
) -> None:
    friend = await sign_up()
    body = {"to": friend.username.upper(), "asset": "diamond", "amount": 250, "memo": "gg"}
    sent = await send(client, rich_player, body, key="gift-1")
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert set(answer) == {"transferId", "balance", "version", "inventory", "wallet"}
    assert (answer["balance"], answer["version"]) == (750, 3)
    assert (await send(client, rich_player, body, key="gift-1")).json() == answer  # once
    wallet = (await client.get("/balance", headers=friend.auth)).json()
    assert wallet["balance"] == 250
    [entry, *_] = (await client.get("/history", headers=friend.auth)).json()["entries"]
    assert entry["transferId"] == answer["transferId"]
    assert (entry["code"], entry["counterparty"], entry["memo"]) == (
        "gift",
        rich_player.username,
        "gg",
    )
    assert entry["balanceAfter"] == 250
    [mine, *_] = (await client.get("/history", headers=rich_player.auth)).json()["entries"]
    assert mine["counterparty"] == friend.username


async def test_a_history_entry_keeps_its_keys_in_their_order(
    client: httpx.AsyncClient, rich_player: Player, sign_up: SignUp
) -> None:
    # One entry type serves the read model and the API: the JSON is the API's as it was.
    friend = await sign_up()
    await send(client, rich_player, {"to": friend.username, "asset": "diamond", "amount": 5})
    [entry, *_] = (await client.get("/history", headers=friend.auth)).json()["entries"]
    assert list(entry) == [
        "transferId", "code", "version", "legs", "balanceAfter", "stateAfter", "occurredAt",
        "item", "quantity", "reverses", "reason", "counterparty", "memo", "holdId", "metadata",
        "tradeId", "energy",  # issue 23: an energy transfer's details (null here)
    ]  # fmt: skip
    assert [list(leg) for leg in entry["legs"]] == [["account", "asset", "amount"]] * 2
    assert (entry["item"], entry["holdId"], entry["metadata"]) == (None, None, {})


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"to": "nobody_here", "asset": "diamond", "amount": 1}, 404, "unknown-player"),
        ({"to": "FRIEND", "asset": "diamond", "amount": 1_001}, 422, "insufficient-funds"),
        ({"to": "FRIEND", "asset": "gold_coin", "amount": 1}, 422, "insufficient-funds"),
        ({"to": "FRIEND", "asset": "ruby", "amount": 1}, 422, "unknown-asset"),
        ({"to": "FRIEND", "asset": "diamond", "amount": 0}, 400, "invalid-body"),
        ({"to": "FRIEND", "asset": "diamond", "amount": 1, "memo": "x" * 141}, 400, "invalid-body"),
    ],
)
async def test_refusals_are_problems_with_stable_types(
    client: httpx.AsyncClient,
    rich_player: Player,
    sign_up: SignUp,
    body: dict[str, object],
    status: int,
    slug: str,
) -> None:
    friend = await sign_up()
    body = {k: friend.username if v == "FRIEND" else v for k, v in body.items()}
    refused = await send(client, rich_player, body)
    assert refused.status_code == status, refused.text
    problem = refused.json()
    assert problem["type"] == slug
    assert problem["error"]
    wallet = (await client.get("/balance", headers=rich_player.auth)).json()
    assert wallet["balance"] == 1_000  # nothing changed


async def test_a_gift_to_oneself_is_refused(client: httpx.AsyncClient, rich_player: Player) -> None:
    body = {"to": rich_player.username, "asset": "diamond", "amount": 5}
    refused = await send(client, rich_player, body)
    assert (refused.status_code, refused.json()["type"]) == (422, "self-transfer")


async def test_the_daily_limit_is_per_sender(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    friend = await sign_up()
    for _ in range(12):
        topped = await client.post("/top-up", json={"amount": 1000}, headers=player.auth)
        assert topped.status_code == 200, topped.text
    body = {"to": friend.username, "asset": "diamond", "amount": 6_000}
    assert (await send(client, player, body)).status_code == 200
    refused = await send(client, player, body)
    assert (refused.status_code, refused.json()["type"]) == (422, "gift-limit-exceeded")
    assert refused.json()["remaining"] == 4_000


async def test_a_gift_needs_a_token(client: httpx.AsyncClient) -> None:
    refused = await client.post("/transfers", json={"to": "a", "asset": "diamond", "amount": 1})
    assert refused.status_code == 401
