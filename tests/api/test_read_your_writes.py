"""A player always sees their own last write, even when the projectors are stopped."""

import httpx
import msgspec
import pytest

from infra.config import Settings
from tests.api.conftest import Player


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """No projectors in this app: the read models stay behind the log."""
    return msgspec.structs.replace(api_settings, run_projectors=False)


async def test_balance_reflects_the_write_while_projections_lag(
    client: httpx.AsyncClient, player: Player
) -> None:
    await client.post("/top-up", json={"amount": 300}, headers=player.auth)
    await client.post("/purchase", json={"item": "gold_coin", "quantity": 2}, headers=player.auth)
    wallet = (await client.get("/balance", headers=player.auth)).json()
    assert wallet == {
        "username": player.username,
        "balance": 280,
        "version": 3,
        "referralCode": player.referral_code,
        "inventory": {"goldCoins": 2, "treasureBoxes": 0},
        "held": {},
        "wallet": {"diamond": 280},  # issue 15: every currency
        "debt": {},  # issue 17: refunded store currency already spent
        "lots": {},  # issue 23: lots of the currencies that expire
        "energies": {},  # issue 23: every catalog energy (this catalog has none)
    }


async def test_history_says_when_it_may_be_behind(
    client: httpx.AsyncClient, player: Player
) -> None:
    await client.post("/top-up", json={"amount": 5}, headers=player.auth)
    page = (await client.get("/history", headers=player.auth)).json()
    assert page["stale"] is True
