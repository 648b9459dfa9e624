"""`/metrics` exports every family the operations issue lists, with values that follow the traffic.

Counters are process-wide (one registry per test process), so tests compare before and after.
"""

from typing import Any

import httpx
import msgspec
import pytest
from prometheus_client.parser import text_string_to_metric_families

from domain.commands import EconomyRules
from domain.errors import StreamVersionConflict
from infra.config import Settings
from infra.store import PgSession
from tests.api.conftest import Player, settled


@pytest.fixture(params=[True, False], ids=["group commit", "one statement each"])
def api_settings(api_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Both ways the pipeline writes: the same metrics and the same log fields."""
    return msgspec.structs.replace(api_settings, group_commit=request.param)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_and_timed_per_route_and_status(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    before = await scrape(client)
    for _ in range(3):
        reply = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
        assert reply.status_code == 200, reply.text
    unknown = await client.post("/purchase", json={"item": "dragon"}, headers=rich_player.auth)
    assert unknown.status_code == 422
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"method": "POST", "route": "/purchase"}
    assert delta("gameledger_http_requests_total", **route, status="200") == 3
    assert delta("gameledger_http_requests_total", **route, status="422") == 1
    # Latency: one observation per request, whatever the status, in cumulative buckets.
    assert delta("gameledger_http_request_duration_seconds_count", **route) == 4
    assert delta("gameledger_http_request_duration_seconds_bucket", **route, le="+Inf") == 4
    assert delta("gameledger_http_request_duration_seconds_sum", **route) > 0


async def test_the_route_label_is_the_template_so_paths_cannot_explode_the_series(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/admin/players/someone_unusual")  # 401, but the route was matched
    samples = await scrape(client)
    routes = {dict(labels).get("route", "") for _, labels in samples}
    assert "/admin/players/{username}" in routes
    assert not [route for route in routes if "someone_unusual" in route]


async def test_commands_are_counted_by_outcome(
    client: httpx.AsyncClient, rich_player: Player
) -> None:
    before = await scrape(client)
    await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    broke = await client.post(
        "/purchase", json={"item": "treasure_box", "quantity": 1000}, headers=rich_player.auth
    )
    assert broke.status_code == 422
    after = await scrape(client)
    for outcome in ("ok", "insufficient_funds"):
        labels = {"command": "Purchase", "outcome": outcome}
        counted = value(after, "gameledger_commands_total", **labels)
        assert counted - value(before, "gameledger_commands_total", **labels) == 1, outcome


async def test_version_conflict_retries_are_counted(
    client: httpx.AsyncClient, rich_player: Player, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real race is not deterministic: lose the first attempt on purpose, as a rival writer would.
    real_append = PgSession.append
    lost: list[bool] = []

    async def lose_once(*args: Any) -> Any:
        if not lost:
            lost.append(True)
            raise StreamVersionConflict("a rival write won", streams=[])
        return await real_append(*args)

    monkeypatch.setattr(PgSession, "append", lose_once)
    name = "gameledger_version_conflict_retries_total"
    before = value(await scrape(client), name)
    reply = await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    assert reply.status_code == 200, reply.text  # the retry hid the conflict from the player
    assert value(await scrape(client), name) - before == 1


async def test_gauges_report_projector_lag_treasury_and_pool(
    client: httpx.AsyncClient, rich_player: Player, admin: Player
) -> None:
    await client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    await settled(client, admin)
    samples = await scrape(client)
    for projector in ("players", "accounts", "treasury", "history"):
        assert value(samples, "gameledger_projector_lag_events", projector=projector) == 0
        assert ("gameledger_projector_lag_seconds", frozenset({("projector", projector)})) in (
            samples
        )
    # Shards + inflow: all of genesis but what the one funded player holds (1000 - 10).
    treasury = value(samples, "gameledger_treasury_balance", asset="diamond")
    assert treasury == EconomyRules().genesis_supply - 990
    assert value(samples, "gameledger_db_pool_connections", state="open") >= 1
    idle = value(samples, "gameledger_db_pool_connections", state="idle")
    assert 0 <= idle <= value(samples, "gameledger_db_pool_connections", state="open")
