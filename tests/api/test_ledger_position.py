"""Every write's answer carries `Ledger-Position`, the log's position after its commit; a
refused one carries none; a read refuses a header that is not a position (infra/replica.py)."""

import asyncpg
import httpx
from litestar import Litestar

from infra.config import Settings
from infra.replica import parse_position
from tests.api.conftest import Player, SignUp, account


async def _now(app: Litestar) -> int:
    pool: asyncpg.Pool = app.state.pool
    found: int = await pool.fetchval("SELECT pg_current_wal_lsn()")
    return found


async def test_signup_top_up_and_batch_answer_with_a_position_the_log_has_reached(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    player = await sign_up()
    top_up = await client.post("/top-up", json={"amount": 5}, headers=player.auth)
    server = await account(app, client, api_settings, "service")
    one = {"kind": "top_up", "playerId": player.user_id, "amount": 5}
    batch = await client.post("/batch/transfers", json={"transfers": [one]}, headers=server.auth)
    assert batch.status_code == 200, batch.text
    written = [parse_position(r.headers["Ledger-Position"]) for r in (top_up, batch)]
    assert None not in written
    assert written[0] < written[1] <= await _now(app)  # type: ignore[operator]


async def test_a_refused_write_carries_no_position(
    client: httpx.AsyncClient, player: Player
) -> None:
    refused = await client.post("/purchase", json={"item": "treasure_box"}, headers=player.auth)
    assert refused.status_code == 422, refused.text  # insufficient funds
    assert "Ledger-Position" not in refused.headers


async def test_a_read_refuses_a_position_that_is_not_one(
    client: httpx.AsyncClient, player: Player
) -> None:
    reply = await client.get("/balance", headers={**player.auth, "Ledger-Position": "soon"})
    assert reply.status_code == 400
    assert reply.headers["content-type"].startswith("application/problem+json")


async def test_without_a_standby_a_read_with_a_position_reads_the_primary(
    client: httpx.AsyncClient, player: Player
) -> None:
    written = await client.post("/top-up", json={"amount": 9}, headers=player.auth)
    position = written.headers["Ledger-Position"]
    reply = await client.get("/balance", headers={**player.auth, "Ledger-Position": position})
    assert reply.json()["balance"] == 9
