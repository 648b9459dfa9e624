"""The studio's shipped game client, byte for byte: what it sends and what it reads back.

That client (a React app on its own dev server, talking to the API over axios) always sends
`referralCode`, shows `err.response.data.error` to the player, calls the API cross-origin from
http://localhost:5173, and never refreshes its token. Nothing here may require it to change.
"""

import asyncio
import socket
import urllib.error
import urllib.request
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from litestar import Litestar

from api.http.limits import Limits, Policy
from infra.config import Settings
from tests.api.conftest import PASSWORD, Player, SignUp

CLIENT_ORIGIN = "http://localhost:5173"


def _signup(name: str, code: object = "") -> dict[str, object]:
    return {"username": name, "password": PASSWORD, "referralCode": code}


@pytest.mark.parametrize("code", ["", "   ", None])
async def test_signup_with_no_referral_code_as_the_client_sends_it(
    client: httpx.AsyncClient, code: object
) -> None:
    created = await client.post("/signup", json=_signup(f"nocode_{id(code) % 10_000}", code))
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "Created"


async def test_signup_without_the_field_still_works(client: httpx.AsyncClient) -> None:
    created = await client.post("/signup", json={"username": "bare_one", "password": PASSWORD})
    assert created.status_code == 201, created.text


async def test_a_duplicate_username_with_an_empty_code_reports_the_duplicate(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/signup", json=_signup("twice_here"))).status_code == 201
    again = await client.post("/signup", json=_signup("twice_here"))
    assert again.status_code == 409
    assert again.json()["type"] == "username-taken"
    assert again.json()["error"] == "This username is taken."


async def test_a_real_referral_code_with_blanks_around_it_still_pays(
    client: httpx.AsyncClient, player: Player
) -> None:
    created = await client.post("/signup", json=_signup("referred_1", f" {player.referral_code} "))
    assert created.status_code == 201, created.text


async def test_an_unknown_referral_code_is_a_422_the_player_can_read(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/signup", json=_signup("unlucky_1", "NOSUCHCODE"))
    assert refused.status_code == 422
    body = refused.json()
    assert body["type"] == "unknown-referral-code"
    assert body["error"] == "No player has this referral code."


async def test_every_kind_of_failure_carries_an_error_sentence(
    client: httpx.AsyncClient, player: Player
) -> None:
    failures = {
        400: await client.post("/signup", json=_signup("x")),
        401: await client.get("/balance"),
        404: await client.get("/no/such/route"),
        405: await client.delete("/balance"),
        413: await client.post("/signup", content=b"{" + b" " * 70_000 + b"}"),
        422: await client.post("/purchase", json={"item": "treasure_box"}, headers=player.auth),
    }
    for status, reply in failures.items():
        assert reply.status_code == status, reply.text
        assert reply.headers["content-type"].startswith("application/problem+json")
        body = reply.json()
        assert {"type", "title", "status", "detail"} <= body.keys(), body
        assert isinstance(body["error"], str), body
        assert body["error"][0].isupper(), body
        assert body["error"].endswith("."), body
    assert failures[400].json()["error"] == (
        "The username must be 3 to 32 letters, digits, '_', '.' or '-'."
    )
    assert failures[401].json()["error"] == "A bearer token is required."
    assert "diamond" in failures[422].json()["error"].lower()


class TestThrottled:
    @pytest.fixture
    def limits(self) -> Limits:
        """A tight signup throttle, so the 429 is reachable."""
        return Limits(signup_per_address=Policy(limit=1, period=60.0))

    async def test_a_throttled_signup_says_when_to_come_back(
        self, client: httpx.AsyncClient
    ) -> None:
        await client.post("/signup", json=_signup("first_one"))
        throttled = await client.post("/signup", json=_signup("second_one"))
        assert throttled.status_code == 429
        assert throttled.json()["error"] == "Too many signups from this address; retry later."


async def test_the_preflight_from_the_client_dev_server_is_answered(
    client: httpx.AsyncClient,
) -> None:
    preflight = await client.options(
        "/purchase",
        headers={
            "Origin": CLIENT_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == CLIENT_ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key"):
        assert header in allowed


async def test_cross_origin_answers_expose_what_the_client_reads(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.get("/balance", headers={"Origin": "http://127.0.0.1:5173"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
    exposed = refused.headers["access-control-expose-headers"].lower()
    assert "retry-after" in exposed
    assert "x-request-id" in exposed
    other = await client.get("/balance", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


async def test_the_token_lasts_a_day_as_the_original_backend(sign_up: SignUp) -> None:
    player = await sign_up()
    assert player.token
    assert Settings().token_ttl_seconds == 86_400


async def test_login_answers_a_day_long_token(
    client: httpx.AsyncClient, sign_up: SignUp, app: Litestar
) -> None:
    player = await sign_up()
    login = await client.post("/login", json={"username": player.username, "password": PASSWORD})
    assert login.status_code == 200
    assert login.json()["expiresIn"] == app.state.tokens.ttl


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def served(app: Litestar) -> AsyncIterator[str]:
    """The app behind a real uvicorn socket: the reset only happens on a real connection."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def _post_without_continue(url: str, size: int) -> tuple[int, bytes]:
    # urllib writes the whole body before it reads a byte of the answer (no Expect header).
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=b"x" * size, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - loopback
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


async def test_an_8_mib_body_from_a_plain_client_gets_a_readable_413(served: str) -> None:
    status, body = await asyncio.to_thread(_post_without_continue, f"{served}/signup", 8 << 20)
    assert status == 413
    assert b'"error":"The request body is too large."' in body


async def test_a_refused_purchase_of_several_items_reads_right(
    client: httpx.AsyncClient, player: Player
) -> None:
    await client.post("/top-up", json={"amount": 100}, headers=player.auth)
    body = {"item": "treasure_box", "quantity": 3}
    refused = await client.post("/purchase", json=body, headers=player.auth)
    assert refused.status_code == 422
    assert refused.json()["error"] == (
        "The Treasure Box costs 50 diamonds each; 3 cost 150 but the balance is 100."
    )
