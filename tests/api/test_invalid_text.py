"""Text PostgreSQL cannot store (NUL, lone surrogates) is refused at the boundary, on every route.

Each poisoned request answers 400 `invalid-text` naming the field, and writes nothing: before
the check, the same requests answered 500 and, under group commit, failed honest neighbours.
"""

from typing import Any

import httpx
import pytest
from litestar import Litestar

from api.http.text_guard import unstorable_field
from infra.config import Settings
from tests.api.conftest import PASSWORD, Player, SignUp
from tests.api.test_batch_and_ops import _service

JSON = {"Content-Type": "application/json"}


async def events(app: Litestar) -> int:
    async with app.state.pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
        return count


def refused_as_invalid_text(reply: httpx.Response, field: str, location: str = "body") -> None:
    assert reply.status_code == 400, reply.text
    problem = reply.json()
    assert problem["type"] == "invalid-text"
    assert (problem["field"], problem["location"]) == (field, location)
    assert field in problem["error"]


async def test_every_route_the_probe_poisoned_refuses_nul_and_writes_nothing(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    sign_up: SignUp,
    rich_player: Player,
) -> None:
    friend = await sign_up()
    server = await _service(app, client, api_settings)
    before = await events(app)
    player = rich_player.auth
    cases: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
        ("/transfers", {"to": friend.username, "asset": "diamond", "amount": 1,
                        "memo": "x\u0000"}, player, "memo"),
        ("/top-up", {"amount": 5, "metadata": {"note": "a\u0000b"}}, player, "metadata.note"),
        ("/purchase", {"item": "gold_coin", "metadata": {"note": "a\u0000b"}}, player,
         "metadata.note"),
        ("/signup", {"username": "nul_signup", "password": PASSWORD,
                     "metadata": {"source": "\u0000"}}, {}, "metadata.source"),
        ("/holds", {"player": rich_player.username, "asset": "diamond", "amount": 5,
                    "expiresIn": 60, "memo": "stake\u0000"}, server.auth, "memo"),
        ("/grants", {"player": friend.username, "amount": 5, "reason": "prize\u0000"},
         server.auth, "reason"),
        ("/batch/transfers", {"transfers": [
            {"kind": "top_up", "playerId": friend.user_id, "amount": 1},
            {"kind": "top_up", "playerId": friend.user_id, "amount": 1,
             "metadata": {"k\u0000": "v"}}]}, server.auth, "transfers[1].metadata.k\\u0000"),
    ]  # fmt: skip
    for path, body, headers, field in cases:
        refused_as_invalid_text(await client.post(path, json=body, headers=headers), field)
    history = await client.get("/history", params={"meta.x": "\u0000"}, headers=player)
    refused_as_invalid_text(history, "meta.x", "query")
    assert await events(app) == before
    # The refused signup left its name free.
    again = {"username": "nul_signup", "password": PASSWORD}
    assert (await client.post("/signup", json=again)).status_code == 201


async def test_lone_surrogate_escapes_are_refused_anywhere_in_the_body(
    app: Litestar, client: httpx.AsyncClient, rich_player: Player
) -> None:
    before = await events(app)
    for raw, field in (
        (rb'{"amount": 5, "metadata": {"note": "\ud800"}}', "metadata.note"),
        (rb'{"amount": 5, "metadata": {"note": "ok\udfffok"}}', "metadata.note"),
        (rb'{"amount": 5, "metadata": {"\udc00": "v"}}', "metadata.\\udc00"),
    ):
        reply = await client.post("/top-up", content=raw, headers={**rich_player.auth, **JSON})
        refused_as_invalid_text(reply, field)
    assert await events(app) == before
    # A surrogate pair is one character (an emoji): stored like any other.
    paired = rb'{"amount": 5, "metadata": {"note": "\ud83c\udfae"}}'
    reply = await client.post("/top-up", content=paired, headers={**rich_player.auth, **JSON})
    assert reply.status_code == 200, reply.text


async def test_a_nul_in_the_idempotency_key_header_is_refused_before_any_write(
    app: Litestar, client: httpx.AsyncClient, rich_player: Player
) -> None:
    before = await events(app)
    headers = {**rich_player.auth, "Idempotency-Key": "key\x00one"}
    reply = await client.post("/purchase", json={"item": "gold_coin"}, headers=headers)
    refused_as_invalid_text(reply, "Idempotency-Key", "header")
    assert await events(app) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (rb'{"memo": "fine \u00e9"}', None),
        (rb'{"memo": "an escaped backslash, then u0000: \\u0000"}', None),
        (b'{"memo": "raw \x00 byte"}', "memo"),
        (rb'"\u0000"', "(body)"),
        (rb'[{"a": ["x", "\u0000"]}]', "[0].a[1]"),
        (b"not json \x00", None),
        (b"[" * 5000 + rb'"\u0000"' + b"]" * 5000, "(body)"),
    ],
)
def test_the_body_check_names_the_first_unstorable_field(body: bytes, field: str | None) -> None:
    assert unstorable_field(body) == field
