"""Holds over HTTP belong to the game server that placed them: another one gets the answer of a
hold that does not exist, and writes nothing; GET /holds lists the caller's own; an operator
closes any hold, saying why."""

from typing import Any

import httpx
from litestar import Litestar

from infra import credentials
from infra.config import Settings
from tests.api.conftest import Player, settled
from tests.api.test_batch_and_ops import _service

STAKE = {"asset": "diamond", "amount": 100, "expiresIn": 600}


async def placed(client: httpx.AsyncClient, server: Player, player: Player, memo: str) -> str:
    body = {**STAKE, "player": player.username, "memo": memo}
    reply = await client.post("/holds", json=body, headers=server.auth)
    assert reply.status_code == 201, reply.text
    hold_id: str = reply.json()["holdId"]
    return hold_id


async def versions(app: Litestar, *streams: str) -> list[int]:
    sql = "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1"
    return [await app.state.pool.fetchval(sql, s) for s in streams]


def without_id(reply: httpx.Response) -> tuple[int, dict[str, Any]]:
    body = {k: v for k, v in reply.json().items() if k not in ("holdId", "instance")}
    return reply.status_code, body


async def test_another_game_server_gets_unknown_hold_and_writes_nothing(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, rich_player: Player
) -> None:
    a, b = await _service(app, client, api_settings), await _service(app, client, api_settings)
    hold = await placed(client, a, rich_player, "a's stake")
    streams = (f"hold:{hold}", f"player:{rich_player.user_id}")
    before = await versions(app, *streams)
    missing = without_id(await client.get("/holds/no-such-hold", headers=b.auth))
    assert missing[0] == 404
    assert missing[1]["type"] == "unknown-hold"
    url = f"/holds/{hold}"
    payouts = [{"to": rich_player.username, "amount": 100}]
    attempts = [
        ("GET", url, None),
        ("POST", f"{url}/capture", {"amount": 10}),
        ("POST", f"{url}/capture", None),
        ("POST", f"{url}/void", {"reason": "mine now"}),
        ("POST", "/settlements", {"holds": [hold], "payouts": payouts}),
    ]
    for method, path, body in attempts:
        headers = {**b.auth, "Idempotency-Key": f"take-{len(path)}"}
        reply = await client.request(method, path, json=body, headers=headers)
        assert without_id(reply) == missing, reply.text  # no hint that the hold exists
        assert reply.json()["holdId"] == hold
    assert await versions(app, *streams) == before
    shown = await client.get(url, headers=a.auth)
    assert (shown.status_code, shown.json()["status"]) == (200, "pending")
    captured = await client.post(f"{url}/capture", json={"amount": 40}, headers=a.auth)
    assert (captured.status_code, captured.json()["captured"]) == (200, 40)
    late = await client.post(f"{url}/void", headers=b.auth)  # closed: still not b's to know
    assert without_id(late) == missing


async def test_get_holds_lists_the_callers_own_newest_first_in_pages(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    rich_player: Player,
    admin: Player,
) -> None:
    a, b = await _service(app, client, api_settings), await _service(app, client, api_settings)
    mine = [await placed(client, a, rich_player, f"a{n}") for n in range(3)]
    theirs = await placed(client, b, rich_player, "b0")
    assert (await client.post(f"/holds/{mine[0]}/void", headers=a.auth)).status_code == 200
    await settled(client, admin)

    async def listed(who: Player, **params: Any) -> dict[str, Any]:
        reply = await client.get("/holds", params=params, headers=who.auth)
        assert reply.status_code == 200, reply.text
        page: dict[str, Any] = reply.json()
        return page

    every = await listed(a)
    assert [h["holdId"] for h in every["holds"]] == mine[::-1]
    assert (every["holds"][0]["memo"], every["holds"][0]["player"]) == ("a2", rich_player.username)
    assert every.get("nextCursor") is None
    first = await listed(a, limit=2)
    assert [h["holdId"] for h in first["holds"]] == [mine[2], mine[1]]
    rest = await listed(a, limit=2, cursor=first["nextCursor"])
    assert ([h["holdId"] for h in rest["holds"]], rest.get("nextCursor")) == ([mine[0]], None)
    pending = await listed(a, status="pending")
    assert [h["holdId"] for h in pending["holds"]] == [mine[2], mine[1]]
    assert [h["holdId"] for h in (await listed(b))["holds"]] == [theirs]
    assert [h["holdId"] for h in (await listed(admin))["holds"]] == [theirs, *mine[::-1]]
    refused = await client.get("/holds", headers=rich_player.auth)
    assert refused.status_code == 403


async def test_an_operator_closes_a_game_servers_hold_only_with_a_reason(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    rich_player: Player,
    admin: Player,
) -> None:
    server = await _service(app, client, api_settings)
    hold = await placed(client, server, rich_player, "stuck")
    shown = await client.get(f"/holds/{hold}", headers=admin.auth)
    assert (shown.status_code, shown.json()["memo"]) == (200, "stuck")
    bare = await client.post(f"/holds/{hold}/void", headers=admin.auth)
    assert (bare.status_code, bare.json()["type"]) == (422, "reason-required")
    assert bare.json()["error"]
    body = {"reason": "the match server crashed"}
    voided = await client.post(f"/holds/{hold}/void", json=body, headers=admin.auth)
    assert (voided.status_code, voided.json()["status"]) == (200, "voided")
    await settled(client, admin)
    [entry, *_] = (await client.get("/history", headers=rich_player.auth)).json()["entries"]
    assert (entry["code"], entry["holdId"], entry["reason"]) == (
        "hold_void",
        hold,
        "the match server crashed",
    )


async def test_an_admin_demoted_to_service_keeps_its_token_but_not_the_other_holds(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    rich_player: Player,
    admin: Player,
) -> None:
    server = await _service(app, client, api_settings)
    hold = await placed(client, server, rich_player, "not yours")
    async with app.state.pool.acquire() as conn:
        login = await credentials.by_player(conn, admin.user_id)
        assert login is not None
        await credentials.set_role(conn, admin.user_id, "service", login.password_hash)
    reply = await client.get(f"/holds/{hold}", headers=admin.auth)
    assert (reply.status_code, reply.json()["type"]) == (404, "unknown-hold")
