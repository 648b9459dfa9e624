"""Bad input is a 4xx with problem details, never a 500, and never changes the ledger."""

from typing import Any

import httpx
import pytest

from tests.api.conftest import PASSWORD, Player

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == slug
    assert body["title"]
    return body


async def balance(client: httpx.AsyncClient, player: Player) -> dict[str, Any]:
    result: dict[str, Any] = (await client.get("/balance", headers=player.auth)).json()
    return result


async def test_an_unknown_field_is_refused_and_the_price_is_unchanged(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    response = await client.post(
        "/purchase", json={"item": "gold_coin", "cost": 0}, headers=rich_player.auth
    )
    body = assert_problem(response, 400, "invalid-body")
    assert "cost" in body["detail"]
    assert (await balance(client, rich_player))["balance"] == 1000
    # `price` picks one of the catalog's options (issue 15); it never sets an amount.
    bought = await client.post(
        "/purchase", json={"item": "gold_coin", "price": 0}, headers=rich_player.auth
    )
    assert bought.json()["balance"] == 990  # still 10 diamonds
    missing = await client.post(
        "/purchase", json={"item": "gold_coin", "price": 1}, headers=rich_player.auth
    )
    assert_problem(missing, 422, "unknown-price-option")


@pytest.mark.parametrize(
    "amount", [100.0, 1.5, "100", True, False, None, [100], {"v": 1}, 0, -5, 2**53, 10**30]
)
async def test_top_up_amounts_must_be_positive_integers(
    client: httpx.AsyncClient, player: Player, amount: object
) -> None:
    response = await client.post("/top-up", json={"amount": amount}, headers=player.auth)
    assert_problem(response, 400, "invalid-body")
    assert (await balance(client, player))["balance"] == 0


async def test_a_top_up_above_the_maximum_names_the_bounds(
    client: httpx.AsyncClient, player: Player
) -> None:
    response = await client.post("/top-up", json={"amount": 10_001}, headers=player.auth)
    body = assert_problem(response, 400, "invalid-amount")
    assert (body["minimum"], body["maximum"], body["amount"]) == (1, 10_000, 10_001)


@pytest.mark.parametrize("quantity", [1.0, "2", True, 0, -1, 10**20])
async def test_purchase_quantities_must_be_positive_integers(
    client: httpx.AsyncClient, rich_player: Player, quantity: object
) -> None:
    body = {"item": "gold_coin", "quantity": quantity}
    response = await client.post("/purchase", json=body, headers=rich_player.auth)
    assert_problem(response, 400, "invalid-body")


async def test_a_quantity_above_the_maximum_is_invalid(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    body = {"item": "gold_coin", "quantity": 10_001}
    response = await client.post("/purchase", json=body, headers=rich_player.auth)
    assert_problem(response, 400, "invalid-quantity")


async def test_an_unknown_item_is_a_business_rule(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    response = await client.post("/purchase", json={"item": "dragon"}, headers=rich_player.auth)
    body = assert_problem(response, 422, "unknown-item")
    assert body["available"] == ["gold_coin", "treasure_box"]


async def test_insufficient_funds_say_balance_and_price(
    client: httpx.AsyncClient, player: Player
) -> None:
    response = await client.post("/purchase", json={"item": "treasure_box"}, headers=player.auth)
    body = assert_problem(response, 422, "insufficient-funds")
    assert (body["balance"], body["price"]) == (0, 50)


@pytest.mark.parametrize(
    "content",
    [b"{", b"[]", b"null", b'"x"', b"\xff\xfe", b'{"item": "gold_coin",}', b"{}"],
)
async def test_malformed_purchase_bodies_are_400(
    client: httpx.AsyncClient, rich_player: Player, content: bytes
) -> None:
    headers = {**rich_player.auth, "Content-Type": "application/json"}
    response = await client.post("/purchase", content=content, headers=headers)
    assert_problem(response, 400, "invalid-body")


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ({"username": "ab", "password": PASSWORD}, "invalid-body"),
        ({"username": "a" * 33, "password": PASSWORD}, "invalid-body"),
        ({"username": "bad name", "password": PASSWORD}, "invalid-body"),
        # Text PostgreSQL cannot store is refused before any field rule (api/http/text_guard.py).
        ({"username": "nul\u0000name", "password": PASSWORD}, "invalid-text"),
        # msgspec's `$` also matches before a final newline: the domain refuses it instead.
        ({"username": "alice\n", "password": PASSWORD}, "invalid-username"),
        ({"username": "alice", "password": "short"}, "invalid-body"),
        ({"username": "alice", "password": "x" * 129}, "invalid-body"),
        ({"username": "alice"}, "invalid-body"),
        ({"username": 42, "password": PASSWORD}, "invalid-body"),
        ({"username": "alice", "password": PASSWORD, "role": "admin"}, "invalid-body"),
        ({"username": "alice", "password": PASSWORD, "referralCode": "no-such!"}, "invalid-body"),
        ({"username": "alice", "password": PASSWORD, "referralCode": "NOSUCHCODE"}, None),
    ],
)
async def test_signup_validation(
    client: httpx.AsyncClient, body: dict[str, Any], slug: str | None
) -> None:
    response = await client.post("/signup", json=body)
    if slug is None:
        assert_problem(response, 422, "unknown-referral-code")
    else:
        assert_problem(response, 400, slug)


async def test_a_taken_username_is_a_conflict_whatever_its_case(
    client: httpx.AsyncClient, player: Player
) -> None:
    body = {"username": player.username.upper(), "password": PASSWORD}
    assert_problem(await client.post("/signup", json=body), 409, "username-taken")


@pytest.mark.parametrize("key", [b"", b"x" * 129, b"caf\xc3\xa9", b" lead", b"tab\there"])
async def test_malformed_idempotency_keys_are_refused(
    client: httpx.AsyncClient, player: Player, key: bytes
) -> None:
    headers = {**player.auth, "Idempotency-Key": key}
    response = await client.post("/top-up", json={"amount": 5}, headers=headers)
    assert_problem(response, 400, "invalid-idempotency-key")
    assert (await balance(client, player))["balance"] == 0


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "x"}, {"limit": "1.5"}, {"cursor": "abc"}, {"cursor": "-1"}],
)
async def test_bad_history_parameters_are_400(
    client: httpx.AsyncClient, player: Player, params: dict[str, str]
) -> None:
    response = await client.get("/history", params=params, headers=player.auth)
    assert_problem(response, 400, "invalid-request")


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/nowhere"), 404, "not-found")


async def test_a_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/purchase"), 405, "method-not-allowed")
