"""`/admin/webhooks` over HTTP: register, list, disable, enable, rotate, delete; refusals."""

import httpx

from tests.api.conftest import Player


async def test_an_operator_manages_an_endpoint_through_its_life(
    client: httpx.AsyncClient, admin: Player
) -> None:
    body = {"url": "https://93.184.215.14/hooks", "events": ["transferred.purchase"],
            "description": "CRM"}  # fmt: skip
    created = await client.post("/admin/webhooks", json=body, headers=admin.auth)
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["enabled"] is True
    path = f"/admin/webhooks/{endpoint['id']}"
    listed = (await client.get("/admin/webhooks", headers=admin.auth)).json()["endpoints"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    disabled = (await client.post(f"{path}/disable", headers=admin.auth)).json()
    assert disabled["enabled"] is False
    assert (await client.post(f"{path}/enable", headers=admin.auth)).json()["enabled"] is True
    rotated = (await client.post(f"{path}/rotate-secret", headers=admin.auth)).json()
    assert rotated["secret"] != endpoint["secret"]
    assert (await client.delete(path, headers=admin.auth)).status_code == 204
    assert (await client.delete(path, headers=admin.auth)).status_code == 404
    failed = await client.get("/admin/webhooks/deliveries?status=failed", headers=admin.auth)
    assert failed.json() == {"deliveries": []}


async def test_unsafe_urls_and_unknown_events_are_refused_and_players_are_not_admins(
    client: httpx.AsyncClient, admin: Player, player: Player
) -> None:
    private = (
        "http://10.1.2.3/hook",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://[fc00::1]/",
    )
    for url in ("ftp://93.184.215.14/x", "http://127.0.0.1:8080/", "http://169.254.169.254/",
                *private):  # fmt: skip
        answer = await client.post(
            "/admin/webhooks", json={"url": url, "events": ["*"]}, headers=admin.auth
        )
        assert answer.status_code == 400, url
        assert answer.json()["type"].endswith("invalid_webhook_url") or "webhook" in answer.text
    unknown = await client.post(
        "/admin/webhooks", json={"url": "https://93.184.215.14/", "events": ["nope"]},
        headers=admin.auth,
    )  # fmt: skip
    assert unknown.status_code == 400
    refused = await client.get("/admin/webhooks", headers=player.auth)
    assert refused.status_code == 403
