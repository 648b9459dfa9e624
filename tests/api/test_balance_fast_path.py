"""The plain `GET /balance` is answered before Litestar, exactly as the handler answers it.

Two clients on one running app: `client` through the app as served (the fast path in front of
Litestar), `litestar_only` through the fast path wrapped around an app that refuses everything,
which shows whether the fast path answered by itself. Every request the fast path must leave to
Litestar (errors, CORS, query strings, `Ledger-Position`) reaches the refusing app there.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.types import Receive, Scope, Send

from api.player import balance
from tests.api.conftest import Player

PURCHASE = {"item": "gold_coin"}
SAME_EVERY_TIME = {"content-type", "content-length", "cache-control", "x-content-type-options"}


class Refusing:
    """An ASGI app that answers 599 and counts the requests it got."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


@pytest.fixture
def refusing() -> Refusing:
    return Refusing()


@pytest.fixture
async def fast_only(app: Litestar, refusing: Refusing) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the fast path alone (whatever it does not take gets 599)."""
    transport = httpx.ASGITransport(app=balance.fast_path(app, refusing), client=("10.0.0.9", 1))
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
