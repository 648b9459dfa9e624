"""Currency that expires (issue 23): credits of `event_token` become lots, spends take the
soonest first, /balance shows the lots, and the expirer gives an expired lot back in a transfer
of code `expiry`, which history shows."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, SignUp, example_settings, fresh_history
from tests.api.test_batch_and_ops import _service

WEEK = timedelta(seconds=604800)


@pytest.fixture
def api_settings() -> Settings:
    return example_settings()


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def lots_of(client: httpx.AsyncClient, who: Player) -> list[dict[str, Any]]:
    balance = (await client.get("/balance", headers=who.auth)).json()
    assert balance["wallet"]["event_token"] == sum(
        lot["amount"] for lot in balance["lots"].get("event_token", [])
    )
    found: list[dict[str, Any]] = balance["lots"].get("event_token", [])
    return found


async def test_credits_become_lots_spent_soonest_first_and_the_expirer_takes_the_rest(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    server, alice = await _service(app, client, api_settings), await sign_up()
    before = datetime.now(UTC)
    topped = await client.post(
        "/top-up", json={"amount": 50, "currency": "event_token"}, headers=alice.auth
    )
    assert topped.status_code == 200, topped.text
    [lot] = await lots_of(client, alice)
    assert lot["amount"] == 50
    assert (
        before + WEEK - timedelta(seconds=1)
        <= moment(lot["expiresAt"])
        <= before + WEEK + timedelta(minutes=1)
    )

    hour = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    await grant(client, server, alice, 40, hour)
    assert [lot["amount"] for lot in await lots_of(client, alice)] == [40, 50]

    bought = await client.post(
        "/purchase", json={"item": "coin_pouch", "price": 1}, headers=alice.auth
    )
    assert bought.status_code == 200, bought.text  # 30 tokens, from the lot that expires first
    first, second = await lots_of(client, alice)
    assert (first["amount"], moment(first["expiresAt"])) == (10, hour)
    assert second["amount"] == 50

    await grant(client, server, alice, 5, datetime.now(UTC) + timedelta(seconds=1))
    for _ in range(400):  # the running expirer gives the 5 back once their second has passed
        if len(await lots_of(client, alice)) == 2:
            break
        await asyncio.sleep(0.025)
    assert [lot["amount"] for lot in await lots_of(client, alice)] == [10, 50]
    page = await fresh_history(client, alice)
    expiry = page["entries"][0]
    assert expiry["code"] == "expiry"
    assert expiry["legs"] == [
        {"account": f"player:{alice.user_id}", "asset": "event_token", "amount": -5},
        {"account": "treasury:inflow", "asset": "event_token", "amount": 5},
    ]
    assert expiry["stateAfter"]["event_token"] == 60


async def grant(
    client: httpx.AsyncClient, server: Player, to: Player, amount: int, expires: datetime
) -> None:
    body = {
        "player": to.username,
        "amount": amount,
        "currency": "event_token",
        "reason": "event",
        "expiresAt": expires.isoformat(),
    }
    granted = await client.post("/grants", json=body, headers=server.auth)
    assert granted.status_code == 201, granted.text
