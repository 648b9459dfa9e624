"""Day-long tokens made safe: logout, revoking a player's sessions, rotating refresh tokens.

Two app instances on one database stand for two workers: each has its own token cache, its
own copy of the revocations and its own LISTEN connection.
"""

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import jwt
import pytest
from litestar import Litestar

from api.http.app import create_app
from api.http.limits import Limits
from infra.config import Settings
from tests.api.conftest import FAST_HASHER, PASSWORD, Player, SignUp, running
from tests.api.test_validation import assert_problem

MONTH = 30 * 86400


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def lifetime(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"]) - int(claims["iat"])


async def status_of(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/balance", headers=bearer(token))).status_code


async def log_in(client: httpx.AsyncClient, username: str, **extra: object) -> dict[str, object]:
    response = await client.post(
        "/login", json={"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, token: object, **extra: object) -> httpx.Response:
    return await client.post("/token/refresh", json={"refreshToken": token, **extra})


async def refused_within(client: httpx.AsyncClient, token: str, seconds: float) -> float:
    """Seconds until `token` is refused (fails the test past `seconds`)."""
    began = time.monotonic()
    while (await status_of(client, token)) != 401:
        assert time.monotonic() - began < seconds, "the revocation did not arrive in time"
        await asyncio.sleep(0.01)
    return time.monotonic() - began


# --- the default lifetime and the old contract ---------------------------------------------


async def test_a_login_lasts_a_day_and_answers_exactly_the_old_fields(
    client: httpx.AsyncClient, player: Player
) -> None:
    body = await log_in(client, player.username)
    assert set(body) == {"token", "expiresIn", "tokenType"}
    assert body["expiresIn"] == 86400
    assert lifetime(str(body["token"])) == 86400


# --- logout ----------------------------------------------------------------------------------


async def test_logout_revokes_the_presented_token_only(
    client: httpx.AsyncClient, player: Player
) -> None:
    other = str((await log_in(client, player.username))["token"])
    assert await status_of(client, player.token) == 200  # remembered as verified
    response = await client.post("/logout", headers=player.auth)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get("/balance", headers=player.auth), 401, "unauthorized")
    assert (await client.post("/logout", headers=player.auth)).status_code == 401
    assert await status_of(client, other) == 200


async def test_logout_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/logout"), 401, "unauthorized")


# --- an operator revokes every session of a player ------------------------------------------


async def test_admin_revokes_every_session_of_one_player(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp, admin: Player
) -> None:
    bystander = await sign_up()
    second = str((await log_in(client, player.username))["token"])
    pair = await log_in(client, player.username, refresh=True)
    path = f"/admin/players/{player.username}/revoke-sessions"
    response = await client.post(path, headers=admin.auth)
    assert response.status_code == 204
    for token in (player.token, second, str(pair["token"])):
        assert await status_of(client, token) == 401
    assert (await refresh(client, pair["refreshToken"])).status_code == 401
    assert await status_of(client, bystander.token) == 200
    assert await status_of(client, admin.token) == 200


async def test_revoking_sessions_needs_an_admin_and_a_known_player(
    client: httpx.AsyncClient, player: Player, admin: Player
) -> None:
    mine = f"/admin/players/{player.username}/revoke-sessions"
    assert_problem(await client.post(mine, headers=player.auth), 403, "forbidden")
    assert await status_of(client, player.token) == 200
    unknown = await client.post("/admin/players/nobody_here/revoke-sessions", headers=admin.auth)
    assert_problem(unknown, 404, "unknown-player")


async def test_the_cli_revokes_from_another_process_within_a_second(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp, db_dsn: str
) -> None:
    bystander = await sign_up()
    assert await status_of(client, player.token) == 200
    status, output = await gameledger("admin", "revoke", player.username, dsn=db_dsn)
    assert status == 0, output
    assert player.username in output
    await refused_within(client, player.token, 1.0)
    assert await status_of(client, bystander.token) == 200


async def test_the_cli_names_an_unknown_player_in_one_line(db_dsn: str) -> None:
    status, output = await gameledger("admin", "revoke", "nobody_here", dsn=db_dsn)
    assert status == 1
    assert output.strip().splitlines() == ["gameledger: no player has this username: nobody_here"]


async def gameledger(*args: str, dsn: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        env={**os.environ, "DATABASE_URL": dsn, "JWT_SECRET": "", "LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


# --- rotating refresh tokens -----------------------------------------------------------------


async def test_a_refreshing_client_gets_a_pair_with_the_lifetime_it_chose(
    client: httpx.AsyncClient, player: Player
) -> None:
    pair = await log_in(client, player.username, refresh=True, accessTtl=300)
    assert pair["expiresIn"] == 300
    assert lifetime(str(pair["token"])) == 300
    assert pair["refreshExpiresIn"] == MONTH
    assert pair["tokenType"] == "Bearer"
    assert await status_of(client, str(pair["token"])) == 200
    rotated = await refresh(client, pair["refreshToken"])
    assert rotated.status_code == 200, rotated.text
    again = rotated.json()
    assert again["refreshToken"] != pair["refreshToken"]
    assert again["expiresIn"] == 300  # the session keeps the lifetime chosen at login
    assert await status_of(client, again["token"]) == 200
    shorter = (await refresh(client, again["refreshToken"], accessTtl=60)).json()
    assert (shorter["expiresIn"], lifetime(shorter["token"])) == (60, 60)


async def test_a_chosen_lifetime_is_capped_at_the_configured_one(
    client: httpx.AsyncClient, player: Player
) -> None:
    body = await log_in(client, player.username, refresh=True, accessTtl=10**7)
    assert body["expiresIn"] == 86400
    rotated = (await refresh(client, body["refreshToken"], accessTtl=10**9)).json()
    assert (rotated["expiresIn"], lifetime(rotated["token"])) == (86400, 86400)
    plain = await log_in(client, player.username, accessTtl=120)
    assert (plain["expiresIn"], set(plain)) == (120, {"token", "expiresIn", "tokenType"})


@pytest.mark.parametrize("ttl", [0, -5, "300", 1.5])
async def test_a_lifetime_must_be_a_positive_whole_number(
    client: httpx.AsyncClient, player: Player, ttl: object
) -> None:
    body = {"username": player.username, "password": PASSWORD, "accessTtl": ttl}
    assert_problem(await client.post("/login", json=body), 400, "invalid-body")


async def test_a_reused_refresh_token_revokes_its_whole_family(
    client: httpx.AsyncClient, player: Player
) -> None:
    first = await log_in(client, player.username, refresh=True)
    second = (await refresh(client, first["refreshToken"])).json()
    elsewhere = await log_in(client, player.username, refresh=True)  # another device
    for token in (first["token"], second["token"]):
        assert await status_of(client, str(token)) == 200
    reused = await refresh(client, first["refreshToken"])
    assert_problem(reused, 401, "unauthorized")
    assert (await refresh(client, second["refreshToken"])).status_code == 401
    for token in (first["token"], second["token"]):
        assert await status_of(client, str(token)) == 401
    assert await status_of(client, str(elsewhere["token"])) == 200
    assert (await refresh(client, elsewhere["refreshToken"])).status_code == 200


async def test_two_refreshes_racing_with_one_token_end_the_family(
    client: httpx.AsyncClient, player: Player
) -> None:
    pair = await log_in(client, player.username, refresh=True)
    answers = await asyncio.gather(*(refresh(client, pair["refreshToken"]) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 401]
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert (await refresh(client, winner["refreshToken"])).status_code == 401


async def test_logout_of_a_refreshing_session_ends_its_refresh_token(
    client: httpx.AsyncClient, player: Player
) -> None:
    pair = await log_in(client, player.username, refresh=True)
    assert (await client.post("/logout", headers=bearer(str(pair["token"])))).status_code == 204
    assert (await refresh(client, pair["refreshToken"])).status_code == 401
    assert await status_of(client, player.token) == 200


@pytest.mark.parametrize("presented", ["x" * 43, "", 42])
async def test_an_unknown_or_malformed_refresh_token_is_refused(
    client: httpx.AsyncClient, presented: object
) -> None:
    response = await refresh(client, presented)
    assert response.status_code in {400, 401}
    assert response.status_code == (401 if presented == "x" * 43 else 400)


async def test_refresh_tokens_are_stored_hashed(
    app: Litestar, client: httpx.AsyncClient, player: Player
) -> None:
    pair = await log_in(client, player.username, refresh=True)
    async with app.state.pool.acquire() as conn:
        stored = await conn.fetch("SELECT token_hash FROM refresh_tokens")
    assert len(stored) == 1
    assert str(pair["refreshToken"]).encode() not in bytes(stored[0]["token_hash"])


# --- every worker, within a second -----------------------------------------------------------


@pytest.fixture
async def other_worker(
    db_dsn: str, api_settings: Settings, limits: Limits
) -> AsyncIterator[httpx.AsyncClient]:
    """A second app instance on the same database: its own caches and its own listener."""
    application = create_app(api_settings, db_dsn, hasher=FAST_HASHER, limits=limits)
    async with running(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://worker-2") as http:
            yield http


async def test_a_logout_holds_in_the_other_worker_within_a_second(
    client: httpx.AsyncClient, other_worker: httpx.AsyncClient, player: Player
) -> None:
    assert await status_of(other_worker, player.token) == 200  # remembered there too
    assert (await client.post("/logout", headers=player.auth)).status_code == 204
    await refused_within(other_worker, player.token, 1.0)


async def test_a_reuse_caught_by_one_worker_holds_in_the_other_within_a_second(
    client: httpx.AsyncClient, other_worker: httpx.AsyncClient, player: Player
) -> None:
    first = await log_in(client, player.username, refresh=True)
    second = (await refresh(other_worker, first["refreshToken"])).json()
    assert await status_of(other_worker, second["token"]) == 200
    assert (await refresh(client, first["refreshToken"])).status_code == 401
    await refused_within(other_worker, second["token"], 1.0)


async def test_a_revocation_without_notify_is_still_seen_within_a_second(
    client: httpx.AsyncClient, player: Player, db_dsn: str
) -> None:
    # The poll is the backstop for a lost notification: write the row and send nothing.
    jti = jwt.decode(player.token, options={"verify_signature": False})["jti"]
    assert await status_of(client, player.token) == 200
    conn = await asyncpg.connect(db_dsn)
    try:
        await conn.execute(
            "INSERT INTO revocations (kind, subject, expires_at)"
            " VALUES ('token', $1, now() + interval '1 day')",
            jti,
        )
    finally:
        await conn.close()
    await refused_within(client, player.token, 1.0)
