"""The hot routes' plain requests are answered before Litestar, exactly as the handlers answer.

Two clients on one running app: `client` through the app as served (the fast paths in front of
Litestar), `fast_only` through the fast paths wrapped around an app that refuses everything
(and echoes the body it was handed), which shows whether a fast path answered by itself. Every
request a fast path must leave to Litestar (errors before a write, CORS, query strings, bodies
Litestar refuses) reaches the refusing app there, with its body as it was sent.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.types import Receive, Scope, Send

from api.http import fast_path
from api.player.players import FAST_ROUTES
from tests.api.conftest import Player

PURCHASE = {"item": "gold_coin"}
SAME_EVERY_TIME = {"content-type", "content-length", "cache-control", "x-content-type-options"}


class Refusing:
    """An ASGI app that answers 599 with the body it read, and counts the requests it got."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message["type"] == "http.request" and message.get("more_body", False)
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": body, "more_body": False})


@pytest.fixture
def refusing() -> Refusing:
    return Refusing()


@pytest.fixture
async def fast_only(app: Litestar, refusing: Refusing) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the fast path alone (whatever it does not take gets 599)."""
    transport = httpx.ASGITransport(
        app=fast_path.fast_path(app, refusing, FAST_ROUTES), client=("10.0.0.9", 1)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _same_every_time(response: httpx.Response) -> dict[str, Any]:
    return {name: response.headers.get(name) for name in SAME_EVERY_TIME}


async def test_the_fast_path_answers_as_the_handler_does(
    client: httpx.AsyncClient,
    fast_only: httpx.AsyncClient,
    refusing: Refusing,
    rich_player: Player,
) -> None:
    bought = await client.post("/purchase", json=PURCHASE, headers=rich_player.auth)
    assert bought.status_code == 200, bought.text

    fast = await fast_only.get("/balance", headers={**rich_player.auth, "X-Request-ID": "r-1"})
    # A query parameter the route ignores sends the request through Litestar's handler.
    handled = await client.get("/balance?through=litestar", headers=rich_player.auth)

    assert refusing.calls == 0
    assert fast.status_code == handled.status_code == 200
    assert fast.json() == handled.json()
    assert fast.json()["balance"] == 990  # the purchase is in it
    assert fast.json()["inventory"]["goldCoins"] == 1
    assert _same_every_time(fast) == _same_every_time(handled)
    assert fast.headers["x-request-id"] == "r-1"
    assert set(fast.headers) == set(handled.headers)


async def test_the_fast_path_sees_the_players_own_latest_write(
    client: httpx.AsyncClient, fast_only: httpx.AsyncClient, rich_player: Player
) -> None:
    for n in range(1, 6):
        bought = await client.post("/purchase", json=PURCHASE, headers=rich_player.auth)
        assert bought.status_code == 200, bought.text
        seen = await fast_only.get("/balance", headers=rich_player.auth)
        assert seen.json()["version"] == bought.json()["version"]
        assert seen.json()["balance"] == 1000 - 10 * n


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/balance", {}),  # no token: Litestar's 401 problem
        ("/balance", {"Authorization": "Bearer not-a-token"}),
        ("/balance", {"Authorization": "Basic dXNlcjpwYXNz"}),
        ("/balance?version=1", None),  # the past: the handler's own read
        ("/balance", {"Origin": "https://game.example"}),  # CORS is Litestar's
        ("/balance", {"Ledger-Position": "0/16B3748"}),
        ("/balance", {"X-Note": "a\x00b"}),  # the text guard's 400
        ("/balance/", None),
    ],
)
async def test_whatever_is_not_the_plain_form_is_left_to_litestar(
    fast_only: httpx.AsyncClient,
    refusing: Refusing,
    player: Player,
    path: str,
    headers: dict[str, str] | None,
) -> None:
    # None: the player's token alone; a dict with Authorization (or empty): that instead.
    if headers is None:
        sent = player.auth
    elif headers == {} or "Authorization" in headers:
        sent = headers
    else:
        sent = {**player.auth, **headers}
    response = await fast_only.get(path, headers=sent)
    assert response.status_code == 599
    assert refusing.calls == 1


async def test_a_token_of_no_wallet_is_left_to_litestar(
    app: Litestar, client: httpx.AsyncClient, fast_only: httpx.AsyncClient, refusing: Refusing
) -> None:
    token = app.state.tokens.issue("no-such-player", "player").token
    auth = {"Authorization": f"Bearer {token}"}
    assert (await fast_only.get("/balance", headers=auth)).status_code == 599
    assert refusing.calls == 1
    handled = await client.get("/balance", headers=auth)
    assert handled.status_code == 404, handled.text


def _problem(response: httpx.Response) -> dict[str, Any]:
    return {**response.json(), "instance": None}


async def test_a_purchase_is_answered_as_the_handler_answers_it(
    client: httpx.AsyncClient,
    fast_only: httpx.AsyncClient,
    refusing: Refusing,
    rich_player: Player,
) -> None:
    sent = {**rich_player.auth, "X-Request-ID": "buy-1"}
    fast = await fast_only.post("/purchase", json=PURCHASE, headers=sent)
    handled = await client.post("/purchase?through=litestar", json=PURCHASE, headers=sent)

    assert refusing.calls == 0
    assert fast.status_code == handled.status_code == 200, fast.text
    assert fast.json()["balance"] == 990
    assert handled.json()["balance"] == 980
    assert fast.json()["version"] + 1 == handled.json()["version"]
    assert fast.json()["inventory"]["goldCoins"] + 1 == handled.json()["inventory"]["goldCoins"]
    assert fast.json()["wallet"] == {"diamond": 990}
    assert set(fast.json()) == set(handled.json())
    assert _same_every_time(fast) == _same_every_time(handled)
    assert set(fast.headers) == set(handled.headers)
    assert fast.headers["x-request-id"] == "buy-1"
    assert fast.headers["ledger-position"]  # a read may ask for this write (infra/replica.py)
    seen = await fast_only.get(
        "/balance", headers={**rich_player.auth, "Ledger-Position": fast.headers["ledger-position"]}
    )
    assert seen.status_code == 599  # Ledger-Position is the handler's to honour


async def test_a_refused_purchase_is_answered_as_the_handler_answers_it(
    client: httpx.AsyncClient,
    fast_only: httpx.AsyncClient,
    refusing: Refusing,
    player: Player,
) -> None:
    fast = await fast_only.post("/purchase", json=PURCHASE, headers=player.auth)
    handled = await client.post("/purchase?through=litestar", json=PURCHASE, headers=player.auth)

    assert refusing.calls == 0  # the write had begun: the fast path answers its refusal
    assert fast.status_code == handled.status_code == 422
    assert fast.headers["content-type"] == handled.headers["content-type"]
    assert fast.headers["content-type"] == "application/problem+json"
    assert _problem(fast) == _problem(handled)
    assert fast.json()["type"] == "insufficient-funds"
    assert set(fast.headers) == set(handled.headers)


async def test_top_ups_with_and_without_a_body(
    fast_only: httpx.AsyncClient, refusing: Refusing, player: Player
) -> None:
    empty = await fast_only.post("/top-up", headers=player.auth)
    assert empty.status_code == 200, empty.text
    assert empty.json()["balance"] == 100  # an empty body tops up 100 diamonds
    given = await fast_only.post("/top-up", json={"amount": 7}, headers=player.auth)
    assert given.json()["balance"] == 107
    assert refusing.calls == 0


async def test_a_key_answers_a_retry_once_and_refuses_another_body(
    fast_only: httpx.AsyncClient, refusing: Refusing, rich_player: Player
) -> None:
    keyed = {**rich_player.auth, "Idempotency-Key": "order 1"}
    first = await fast_only.post("/purchase", json=PURCHASE, headers=keyed)
    again = await fast_only.post("/purchase", json=PURCHASE, headers=keyed)
    assert first.status_code == again.status_code == 200, again.text
    assert first.json() == again.json()
    assert first.json()["balance"] == 990  # one purchase, not two
    other = await fast_only.post("/purchase", json={**PURCHASE, "quantity": 2}, headers=keyed)
    assert other.status_code == 422
    assert other.json()["type"] == "idempotency-key-reused"
    assert refusing.calls == 0


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"item": "gold_coin", "quantity": "1"}', {}),  # lax types: Litestar's 400
        (b'{"item": "gold_coin", "colour": "red"}', {}),  # an unknown field
        (b"{not json", {}),
        (b"", {}),  # a purchase needs a body
        (b'{"item": "gold_coin", "metadata": {"note": "a\\u0000b"}}', {}),  # the text guard
        (b'{"item": "gold_coin"}', {"Content-Type": "text/plain"}),
        (b'{"item": "gold_coin"}', {"Idempotency-Key": " padded"}),
        (b'{"item": "gold_coin"}', {"Origin": "https://game.example"}),
        (b'{"item": "gold_coin"}', {"Expect": "100-continue"}),
        (b'{"item": "gold_coin"}', {"Authorization": "Bearer not-a-token"}),
        (b'{"item": "gold_coin", "metadata": {"pad": "' + b"x" * 17_000 + b'"}}', {}),
    ],
)
async def test_a_write_litestar_must_answer_reaches_it_with_its_body(
    fast_only: httpx.AsyncClient,
    refusing: Refusing,
    rich_player: Player,
    body: bytes,
    headers: dict[str, str],
) -> None:
    sent = {**rich_player.auth, "Content-Type": "application/json", **headers}
    response = await fast_only.post("/purchase", content=body, headers=sent)
    assert response.status_code == 599
    assert response.content == body  # handed over as it came: Litestar reads it whole
    assert refusing.calls == 1


@pytest.mark.parametrize("name", ["Idempotency-Key", "Authorization", "Content-Type"])
async def test_a_header_sent_twice_is_left_to_litestar(
    fast_only: httpx.AsyncClient, refusing: Refusing, rich_player: Player, name: str
) -> None:
    # Which of the two counts is Litestar's to decide, as for any other request.
    sent = {**rich_player.auth, "Content-Type": "application/json", "Idempotency-Key": "k1"}
    headers = [*sent.items(), (name, sent[name])]
    response = await fast_only.post("/purchase", content=b'{"item": "gold_coin"}', headers=headers)
    assert response.status_code == 599
    assert refusing.calls == 1


async def test_a_chunked_body_is_left_to_litestar(
    fast_only: httpx.AsyncClient, refusing: Refusing, rich_player: Player
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"item": '
        yield b'"gold_coin"}'

    sent = {**rich_player.auth, "Content-Type": "application/json"}
    response = await fast_only.post("/purchase", content=chunks(), headers=sent)
    assert response.status_code == 599
    assert response.content == b'{"item": "gold_coin"}'
