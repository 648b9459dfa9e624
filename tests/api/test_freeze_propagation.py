"""A freeze placed through one app instance holds in another on the same database, through
the follower (LISTEN plus poll), and so does its lift. The bound here is generous on purpose:
the time it takes is printed (pytest -s), not asserted; speed belongs to the benchmark."""

import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import msgspec
import pytest
from litestar import Litestar

from api.http.app import create_app
from api.http.limits import Limits
from infra.config import Settings
from tests.api.conftest import FAST_HASHER, Player, _client, running

BOUND = 30.0  # seconds: only a freeze that never arrives fails


@pytest.fixture
async def other(db_dsn: str, api_settings: Settings, limits: Limits) -> AsyncIterator[Litestar]:
    """A second app instance on the same database, without projectors of its own."""
    settings = msgspec.structs.replace(api_settings, run_projectors=False)
    application = create_app(settings, db_dsn, hasher=FAST_HASHER, limits=limits)
    async with running(application):
        yield application


async def until(check: Callable[[], Awaitable[bool]]) -> float:
    """Seconds until `check` holds, polled; fails past BOUND."""
    began = time.monotonic()
    while time.monotonic() - began < BOUND:
        if await check():
            return time.monotonic() - began
    raise AssertionError(f"not within {BOUND} s")


async def test_a_freeze_and_its_lift_reach_a_second_instance(
    client: httpx.AsyncClient, other: Litestar, admin: Player, rich_player: Player
) -> None:
    async with _client(other) as second:

        async def buy_status() -> int:
            bought = await second.post(
                "/purchase", json={"item": "gold_coin"}, headers=rich_player.auth
            )
            return bought.status_code

        assert await buy_status() == 200
        body = {"scope": "asset", "target": "gold_coin", "reason": "duplicated coins"}
        placed = await client.post("/admin/freezes", json=body, headers=admin.auth)
        assert placed.status_code == 201, placed.text
        start = time.monotonic()

        async def refused() -> bool:
            return await buy_status() == 423

        await until(refused)
        frozen_after = time.monotonic() - start
        lift = await client.post(
            f"/admin/freezes/{placed.json()['freezeId']}/lift",
            json={"reason": "fixed"},
            headers=admin.auth,
        )
        assert lift.status_code == 200, lift.text
        start = time.monotonic()

        async def accepted() -> bool:
            return await buy_status() == 200

        await until(accepted)
        print(
            f"freeze seen by the second instance after {frozen_after:.3f} s,"
            f" lift after {time.monotonic() - start:.3f} s"
        )
