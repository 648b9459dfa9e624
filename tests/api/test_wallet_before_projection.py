"""A wallet read before the projectors have seen the player (found by the model check).

The registration is the stream's only event, so there is no transfer to take balances from:
the answer must still say version 1 (the registration), not the empty read model's 0.
"""

import httpx
import msgspec
import pytest

from infra.config import Settings
from tests.api.conftest import Player


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """No projectors: every read finds the read model behind the log."""
    return msgspec.structs.replace(api_settings, run_projectors=False)


async def test_a_new_players_wallet_says_version_1_before_it_is_projected(
    client: httpx.AsyncClient, player: Player
) -> None:
    wallet = await client.get("/balance", headers=player.auth)
    assert wallet.status_code == 200, wallet.text
    assert (wallet.json()["balance"], wallet.json()["version"]) == (0, 1)
    assert wallet.json()["username"] == player.username


async def test_a_top_up_read_before_it_is_projected(
    client: httpx.AsyncClient, player: Player
) -> None:
    await client.post("/top-up", json={"amount": 30}, headers=player.auth)
    wallet = await client.get("/balance", headers=player.auth)
    assert (wallet.json()["balance"], wallet.json()["version"]) == (30, 2)
