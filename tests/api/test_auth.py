"""Tokens and passwords: forged, foreign, expired or tampered tokens all get the same 401."""

import base64
import json
import time
from pathlib import Path
from typing import Any

import argon2
import httpx
import jwt
import pytest
from litestar import Litestar
from litestar.exceptions import NotAuthorizedException
from prometheus_client import REGISTRY

from api.http.auth import ALGORITHM, AUDIENCE, ISSUER, Tokens
from api.http.jwt_secret import resolve_secret
from infra import credentials
from infra.config import ConfigError, Settings
from tests.api.conftest import PASSWORD, SECRET, Player, SignUp
from tests.api.test_validation import assert_problem


def claims(player: Player, **changes: Any) -> dict[str, Any]:
    """Valid claims for `player`, with some changed (None removes one)."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": player.user_id,
        "iat": now,
        "exp": now + 600,
        "role": "player",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def assert_refused(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.get("/balance", headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_valid_token_works(client: httpx.AsyncClient, player: Player) -> None:
    token = jwt.encode(claims(player), SECRET, algorithm=ALGORITHM)
    assert (await client.get("/balance", headers=bearer(token))).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dTpw"}, bearer("not.a.jwt")],
)
async def test_missing_or_malformed_credentials(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    await assert_refused(client, headers)


async def test_a_forged_alg_none_token_is_refused(
    client: httpx.AsyncClient, player: Player
) -> None:
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(player))}."
    await assert_refused(client, bearer(token))


async def test_a_token_signed_with_another_key_is_refused(
    client: httpx.AsyncClient, player: Player
) -> None:
    token = jwt.encode(claims(player), "another-secret-" + "k" * 40, algorithm=ALGORITHM)
    await assert_refused(client, bearer(token))


async def test_another_algorithm_with_the_same_secret_is_refused(
    client: httpx.AsyncClient, player: Player
) -> None:
    await assert_refused(client, bearer(jwt.encode(claims(player), SECRET, algorithm="HS512")))


async def test_an_expired_token_is_refused(client: httpx.AsyncClient, player: Player) -> None:
    past = int(time.time()) - 3600
    token = jwt.encode(claims(player, iat=past - 900, exp=past), SECRET, algorithm=ALGORITHM)
    await assert_refused(client, bearer(token))


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "iss", "aud", "role"])
async def test_every_required_claim_is_required(
    client: httpx.AsyncClient, player: Player, missing: str
) -> None:
    token = jwt.encode(claims(player, **{missing: None}), SECRET, algorithm=ALGORITHM)
    await assert_refused(client, bearer(token))


@pytest.mark.parametrize(
    "change", [{"iss": "someone-else"}, {"aud": "another-api"}, {"role": "root"}]
)
async def test_a_foreign_issuer_audience_or_role_is_refused(
    client: httpx.AsyncClient, player: Player, change: dict[str, str]
) -> None:
    token = jwt.encode(claims(player, **change), SECRET, algorithm=ALGORITHM)
    await assert_refused(client, bearer(token))


async def test_a_tampered_subject_is_refused(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    victim = await sign_up()
    head, payload, signature = player.token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["sub"] = victim.user_id
    await assert_refused(client, bearer(f"{head}.{b64(decoded)}.{signature}"))


async def test_a_token_only_ever_reaches_its_own_wallet(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    other = await sign_up()
    await client.post("/top-up", json={"amount": 70}, headers=other.auth)
    mine = (await client.get("/balance", headers=player.auth)).json()
    assert (mine["username"], mine["balance"]) == (player.username, 0)
    history = (await client.get("/history", headers=player.auth)).json()
    assert history["entries"] == []


async def test_a_player_is_not_an_admin(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    other = await sign_up()
    for path in ("/admin/economy", "/admin/projectors", f"/admin/players/{other.username}"):
        assert_problem(await client.get(path, headers=player.auth), 403, "forbidden")
    reversal = await client.post(
        "/admin/transfers/x/reversal",
        json={"playerId": other.user_id, "reason": "mine now"},
        headers=player.auth,
    )
    assert_problem(reversal, 403, "forbidden")
    forged = jwt.encode(claims(player, role="admin"), "wrong-key-" + "k" * 40, algorithm=ALGORITHM)
    assert_problem(await client.get("/admin/economy", headers=bearer(forged)), 401, "unauthorized")


async def test_an_admin_role_claim_without_the_credential_is_refused(
    client: httpx.AsyncClient, player: Player
) -> None:
    # A token minted as admin for an account whose credential says player (e.g. demoted).
    token = jwt.encode(claims(player, role="admin"), SECRET, algorithm=ALGORITHM)
    assert_problem(await client.get("/admin/economy", headers=bearer(token)), 403, "forbidden")


async def test_login_gives_the_same_401_for_unknown_users_and_wrong_passwords(
    client: httpx.AsyncClient, player: Player
) -> None:
    wrong = await client.post("/login", json={"username": player.username, "password": "nope!"})
    unknown = await client.post("/login", json={"username": "nobody_here", "password": "nope!"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["content-type"] == unknown.headers["content-type"]


async def test_a_hash_with_old_parameters_is_upgraded_at_login(
    app: Litestar, client: httpx.AsyncClient, player: Player
) -> None:
    old = argon2.PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    async with app.state.pool.acquire() as conn:
        await credentials.rehash(conn, player.user_id, old)
    response = await client.post("/login", json={"username": player.username, "password": PASSWORD})
    assert response.status_code == 200
    async with app.state.pool.acquire() as conn:
        stored = await credentials.by_player(conn, player.user_id)
    assert stored is not None
    assert stored.password_hash != old
    assert stored.password_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


async def test_password_hashes_are_argon2id_and_never_answered(
    app: Litestar, client: httpx.AsyncClient, player: Player
) -> None:
    async with app.state.pool.acquire() as conn:
        stored = await credentials.by_player(conn, player.user_id)
    assert stored is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    balance = await client.get("/balance", headers=player.auth)
    assert "argon2" not in balance.text


def test_weak_secrets_are_refused() -> None:
    with pytest.raises(ConfigError):
        Tokens("short", 900)


def test_production_refuses_a_missing_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        resolve_secret(Settings(environment="production"), tmp_path)


def test_development_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    first = resolve_secret(Settings(environment="development"), tmp_path)
    second = resolve_secret(Settings(environment="development"), tmp_path)
    assert first == second
    assert len(first.encode()) >= 32
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0
    assert resolve_secret(Settings(jwt_secret=SECRET), tmp_path) == SECRET


async def test_refusals_are_logged_and_counted_with_their_real_status(
    client: httpx.AsyncClient,
) -> None:
    # The guards answer inside the route, so the request middleware sees 401, not an exception.
    labels = {"method": "GET", "route": "/balance", "status": "401"}
    before = REGISTRY.get_sample_value("gameledger_http_requests_total", labels) or 0.0
    response = await client.get("/balance")
    assert response.status_code == 401
    assert response.headers["x-request-id"]
    after = REGISTRY.get_sample_value("gameledger_http_requests_total", labels)
    assert after == before + 1


def test_a_token_verified_before_is_still_refused_once_it_expires() -> None:
    # Verified tokens are remembered (a client sends the same one with every request); the
    # memory must not outlive the token.
    offset = [0.0]
    tokens = Tokens(SECRET, 60, leeway=5, clock=lambda: time.time() + offset[0])
    issued = tokens.issue("p1", "player")
    assert tokens.verify(issued.token).player_id == "p1"
    assert tokens.verify(issued.token).player_id == "p1"
    offset[0] = 66
    with pytest.raises(NotAuthorizedException):
        tokens.verify(issued.token)
    with pytest.raises(NotAuthorizedException):
        tokens.verify(issued.token)


def test_a_forged_token_is_refused_even_beside_a_remembered_one() -> None:
    tokens = Tokens(SECRET, 60)
    good = tokens.issue("p1", "player").token
    tokens.verify(good)
    header, payload, signature = good.split(".")
    with pytest.raises(NotAuthorizedException):
        tokens.verify(f"{header}.{payload}.{signature[:-2]}AA")
