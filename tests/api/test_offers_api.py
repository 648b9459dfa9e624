"""Offers over HTTP: GET /items shows each item's window and limit (and, with a player's token,
what is left of it); a purchase outside the window or over the limit is a 422 problem; moving
the server's clock opens and closes them."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from api.http.app import create_app
from api.http.limits import Limits
from infra.config import Settings
from tests.api.conftest import FAST_HASHER, SECRET, Player, running
from tests.api.test_validation import assert_problem

WED = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
CATALOG = {
    "items": [
        {"code": "gold_coin", "name": "Gold Coin", "price": 10},
        {
            "code": "winter_pack",
            "name": "Winter Pack",
            "price": 20,
            "availableFrom": "2026-12-10T00:00:00Z",
            "availableUntil": "2026-12-12T00:00:00Z",
        },
        {
            "code": "daily_chest",
            "name": "Daily Chest",
            "price": 5,
            "limit": {"perPlayer": 1, "window": "day"},
        },
    ]
}


class Clock:
    """The server's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = WED

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    path = tmp_path / "catalog.json"
    path.write_bytes(msgspec.json.encode(CATALOG))
    return Settings(
        environment="test",
        jwt_secret=SECRET,
        db_pool_min=1,
        db_pool_max=10,
        db_command_timeout=10.0,
        run_projectors=True,
        catalog_file=str(path),
        token_ttl_seconds=7 * 86400,  # the tests move the clock days ahead
    )


@pytest.fixture
async def app(
    db_dsn: str, api_settings: Settings, limits: Limits, clock: Clock
) -> AsyncIterator[Litestar]:
    # Tokens are checked on the same clock (hence their week-long lifetime above).
    application = create_app(api_settings, db_dsn, hasher=FAST_HASHER, limits=limits, clock=clock)
    async with running(application):
        yield application


@pytest.fixture
async def buyer(client: httpx.AsyncClient, player: Player) -> Player:
    reply = await client.post("/top-up", json={"amount": 1000}, headers=player.auth)
    assert reply.status_code == 200, reply.text
    return player


async def items(client: httpx.AsyncClient, player: Player | None = None) -> dict[str, Any]:
    reply = await client.get("/items", headers=player.auth if player else None)
    assert reply.status_code == 200, reply.text
    return {item["code"]: item for item in reply.json()["items"]}


def buy(client: httpx.AsyncClient, player: Player, item: str) -> Any:
    return client.post("/purchase", json={"item": item}, headers=player.auth)


async def test_the_items_show_each_window_and_limit_to_anyone(client: httpx.AsyncClient) -> None:
    reply = await client.get("/items")
    assert "public" in reply.headers["cache-control"]
    shown = {item["code"]: item for item in reply.json()["items"]}
    assert shown["winter_pack"]["availableFrom"] == "2026-12-10T00:00:00Z"
    assert shown["winter_pack"]["availableUntil"] == "2026-12-12T00:00:00Z"
    assert shown["winter_pack"]["limit"] is None
    assert shown["daily_chest"]["limit"] == {"perPlayer": 1, "window": "day"}
    assert shown["gold_coin"]["availableFrom"] is None
    assert all("remaining" not in item and "resetsAt" not in item for item in shown.values())


async def test_a_daily_limit_refuses_the_second_purchase_until_midnight_utc(
    client: httpx.AsyncClient, buyer: Player, clock: Clock
) -> None:
    mine = await items(client, buyer)
    assert mine["daily_chest"]["remaining"] == 1
    assert mine["daily_chest"]["resetsAt"] == "2026-12-10T00:00:00Z"
    assert "remaining" not in mine["gold_coin"]  # an unlimited item has no count
    assert (await buy(client, buyer, "daily_chest")).status_code == 200
    body = assert_problem(await buy(client, buyer, "daily_chest"), 422, "purchase-limit-reached")
    assert (body["limit"], body["used"], body["resetsAt"]) == (1, 1, "2026-12-10T00:00:00Z")
    assert body["error"] == (
        "The Daily Chest is limited to 1 per player a day, and you have bought 1; "
        "the count starts again at 2026-12-10 00:00 UTC."
    )
    reply = await client.get("/items", headers=buyer.auth)
    assert reply.headers["cache-control"] == "private, no-store"
    assert (await items(client, buyer))["daily_chest"]["remaining"] == 0
    clock.now = datetime(2026, 12, 10, tzinfo=UTC)
    assert (await items(client, buyer))["daily_chest"]["remaining"] == 1
    assert (await buy(client, buyer, "daily_chest")).status_code == 200


async def test_an_offer_sells_only_inside_its_window(
    client: httpx.AsyncClient, buyer: Player, clock: Clock
) -> None:
    early = assert_problem(await buy(client, buyer, "winter_pack"), 422, "offer-not-available")
    assert early["availableFrom"] == "2026-12-10T00:00:00Z"
    assert early["availableUntil"] == "2026-12-12T00:00:00Z"
    assert early["error"] == "The Winter Pack is on offer from 2026-12-10 00:00 UTC."
    clock.now = datetime(2026, 12, 11, 23, 59, tzinfo=UTC)
    assert (await buy(client, buyer, "winter_pack")).status_code == 200
    clock.now += timedelta(minutes=1)
    late = assert_problem(await buy(client, buyer, "winter_pack"), 422, "offer-not-available")
    assert late["error"] == "The offer of the Winter Pack ended at 2026-12-12 00:00 UTC."


async def test_a_token_that_is_not_valid_is_refused_not_ignored(
    client: httpx.AsyncClient,
) -> None:
    reply = await client.get("/items", headers={"Authorization": "Bearer nonsense"})
    assert_problem(reply, 401, "unauthorized")
