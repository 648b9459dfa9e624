"""GET /history filters: code, asset, from/to, meta.KEY=VALUE, combined, paged, refused."""

from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.api.conftest import Player, fresh_history


async def write(client: httpx.AsyncClient, player: Player, path: str, body: dict[str, Any]) -> None:
    reply = await client.post(path, json=body, headers=player.auth)
    assert reply.status_code == 200, reply.text


async def entries(
    client: httpx.AsyncClient, player: Player, params: dict[str, Any]
) -> list[tuple[str, dict[str, str]]]:
    page = await fresh_history(client, player, {"limit": 100, **params})
    assert page["nextCursor"] is None
    return [(e["code"], e["metadata"]) for e in reversed(page["entries"])]


async def a_season(client: httpx.AsyncClient, player: Player) -> None:
    """top-up m1, purchase gold m1, purchase box m2, top-up (no labels), purchase gold m2."""
    await write(client, player, "/top-up", {"amount": 500, "metadata": {"match": "m1"}})
    await write(client, player, "/purchase", {"item": "gold_coin", "metadata": {"match": "m1"}})
    box = {"item": "treasure_box", "metadata": {"match": "m2", "shop": "event"}}
    await write(client, player, "/purchase", box)
    await write(client, player, "/top-up", {"amount": 5})
    await write(client, player, "/purchase", {"item": "gold_coin", "metadata": {"match": "m2"}})


async def test_each_filter_keeps_only_the_matching_entries(
    client: httpx.AsyncClient, player: Player
) -> None:
    await a_season(client, player)
    assert [c for c, _ in await entries(client, player, {"code": "top_up"})] == ["top_up"] * 2
    assert await entries(client, player, {"asset": "treasure_box"}) == [
        ("purchase", {"match": "m2", "shop": "event"})
    ]
    assert len(await entries(client, player, {"asset": "gold_coin"})) == 2
    assert len(await entries(client, player, {"asset": "diamond"})) == 5
    assert await entries(client, player, {"meta.match": "m1"}) == [
        ("top_up", {"match": "m1"}),
        ("purchase", {"match": "m1"}),
    ]
    both = {"meta.match": "m2", "meta.shop": "event"}
    assert [c for c, _ in await entries(client, player, both)] == ["purchase"]
    assert await entries(client, player, {"meta.match": "m3"}) == []


async def test_filters_combine_with_each_other(client: httpx.AsyncClient, player: Player) -> None:
    await a_season(client, player)
    found = await entries(
        client, player, {"code": "purchase", "asset": "gold_coin", "meta.match": "m2"}
    )
    assert found == [("purchase", {"match": "m2"})]
    assert await entries(client, player, {"code": "top_up", "meta.match": "m2"}) == []


async def test_from_is_inclusive_and_to_exclusive(
    client: httpx.AsyncClient, player: Player
) -> None:
    await write(client, player, "/top-up", {"amount": 1, "metadata": {"n": "1"}})
    await write(client, player, "/top-up", {"amount": 2, "metadata": {"n": "2"}})
    await write(client, player, "/top-up", {"amount": 3, "metadata": {"n": "3"}})
    page = await fresh_history(client, player)
    times = {e["metadata"]["n"]: e["occurredAt"] for e in page["entries"]}
    window = {"from": times["2"], "to": times["3"]}
    assert await entries(client, player, window) == [("top_up", {"n": "2"})]
    assert len(await entries(client, player, {"from": times["2"]})) == 2
    assert len(await entries(client, player, {"to": times["2"]})) == 1
    later = (datetime.fromisoformat(times["3"]) + timedelta(seconds=1)).isoformat()
    assert await entries(client, player, {"from": later}) == []


async def test_a_filtered_history_pages_with_the_cursor(
    client: httpx.AsyncClient, player: Player
) -> None:
    for n in range(7):
        labels = {"match": "m1" if n % 2 == 0 else "m2", "n": str(n)}
        await write(client, player, "/top-up", {"amount": 1, "metadata": labels})
    seen: list[str] = []
    params: dict[str, Any] = {"meta.match": "m1", "limit": 3}
    while True:
        page = await fresh_history(client, player, params)
        seen += [e["metadata"]["n"] for e in page["entries"]]
        if page["nextCursor"] is None:
            break
        params["cursor"] = page["nextCursor"]
    assert seen == ["6", "4", "2", "0"]


async def test_bad_filters_are_problems_naming_the_parameter(
    client: httpx.AsyncClient, player: Player
) -> None:
    cases = [
        ({"from": "yesterday"}, "from must be an RFC 3339 time"),
        ({"to": "2026-12-01T10:00:00"}, "to must be an RFC 3339 time"),  # no zone
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "later than from"),
        ({"meta.9lives": "x"}, "meta.9lives names no possible metadata key"),
        ({"meta.note": "x" * 257}, "longer than 256"),
        ({"code": "Not A Code"}, "code"),
        ({"asset": "DIAMOND"}, "asset"),
    ]
    for params, said in cases:
        reply = await client.get("/history", params=params, headers=player.auth)
        assert reply.status_code == 400, (params, reply.text)
        problem = reply.json()
        assert said in problem["error"], problem
