"""The request log line: request id, route, status, duration, player, transfer and stream, and
never a password or a token."""

import httpx
import msgspec
import pytest
import structlog

from infra.config import Settings
from tests.api.conftest import PASSWORD, Player


@pytest.fixture(params=[True, False], ids=["group commit", "one statement each"])
def api_settings(api_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Both ways the pipeline writes: the same metrics and the same log fields."""
    return msgspec.structs.replace(api_settings, group_commit=request.param)


# The request's context (transfer id, stream) reaches the line through the contextvars processor.
CONTEXT = [structlog.contextvars.merge_contextvars]


def request_lines(logs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [line for line in logs if line.get("event") == "request"]


async def test_a_write_logs_one_line_with_its_ids_and_no_secret(
    client: httpx.AsyncClient, player: Player
) -> None:
    with structlog.testing.capture_logs(processors=CONTEXT) as logs:
        login = await client.post(
            "/login", json={"username": player.username, "password": PASSWORD}
        )
        token = login.json()["token"]
        top_up = await client.post(
            "/top-up",
            json={"amount": 5},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"},
        )
    assert top_up.status_code == 200, top_up.text
    assert top_up.headers["x-request-id"] == "req-42"
    lines = request_lines(logs)
    assert [line["route"] for line in lines] == ["/login", "/top-up"]
    written = lines[1]
    assert written["request_id"] == "req-42"
    assert (written["status"], written["method"]) == (200, "POST")
    assert isinstance(written["duration_ms"], float)
    assert written["player_id"] == player.user_id
    assert written["transfer_id"] == top_up.json()["transferId"]
    assert written["stream"] == player.user_id  # the command's scope (its idempotency scope)
    assert PASSWORD not in str(logs)
    assert token not in str(logs)
    assert token.split(".")[2] not in str(logs)  # not even the signature


async def test_every_request_gets_an_id_even_without_one(client: httpx.AsyncClient) -> None:
    with structlog.testing.capture_logs() as logs:
        reply = await client.post("/login", json={"username": "nobody", "password": "x"})
    assert reply.status_code == 401
    (line,) = request_lines(logs)
    assert line["request_id"] == reply.headers["x-request-id"]
    assert "player_id" not in line
