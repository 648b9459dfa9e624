"""WEBHOOK_ALLOW_NETWORKS opens a private network to webhooks, and only the networks it names."""

import httpx
import msgspec
import pytest

from infra.config import Settings
from tests.api.conftest import Player


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """The receivers live in 10/8."""
    return msgspec.structs.replace(api_settings, webhook_allow_networks=("10.0.0.0/8",))


async def test_a_private_network_named_in_the_setting_is_accepted_and_no_other(
    client: httpx.AsyncClient, admin: Player
) -> None:
    async def register(url: str) -> httpx.Response:
        body = {"url": url, "events": ["*"]}
        return await client.post("/admin/webhooks", json=body, headers=admin.auth)

    assert (await register("http://10.1.2.3/hook")).status_code == 201
    refused = await register("http://192.168.1.1/hook")
    assert refused.status_code == 400
    assert refused.json()["type"] == "invalid-webhook-url"
    assert "private network" in refused.json()["error"]
