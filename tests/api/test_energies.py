"""Energies over HTTP (issue 23): spending with its refusals, grants above max with modifiers,
an item priced in energy, `GET /balance` at the request's time, replay of a retried key, and
the audit, on the example catalog with a clock the test moves."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from api.http.app import create_app
from infra.config import Settings
from projections.audit import run_audit
from tests.api.conftest import FAST_HASHER, Player, example_settings, fresh_history, running
from tests.api.test_batch_and_ops import _service
from tests.api.test_validation import assert_problem
from tests.fakes import NOW


class Clock:
    """The ledger's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def forward(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api_settings() -> Settings:
    return example_settings()


@pytest.fixture
async def app(db_dsn: str, api_settings: Settings, clock: Clock) -> AsyncIterator[Litestar]:
    application = create_app(api_settings, db_dsn, hasher=FAST_HASHER, clock=clock)
    async with running(application):
        yield application


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


async def spend(
    client: httpx.AsyncClient, player: Player, amount: int, key: str | None = None
) -> httpx.Response:
    headers = player.auth | ({"Idempotency-Key": key} if key else {})
    return await client.post("/energies/stamina/spend", json={"amount": amount}, headers=headers)


async def stamina(client: httpx.AsyncClient, player: Player) -> dict[str, Any]:
    reply = await client.get("/balance", headers=player.auth)
    assert reply.status_code == 200, reply.text
    shown: dict[str, Any] = reply.json()["energies"]["stamina"]
    return shown


async def test_a_new_player_has_start_and_a_spend_answers_the_energy_after_it(
    client: httpx.AsyncClient, player: Player, clock: Clock
) -> None:
    assert await stamina(client, player) == {
        "current": 100, "max": 100, "nextRefillAt": None, "fullAt": None, "modifiers": [],
    }  # fmt: skip
    reply = await spend(client, player, 30)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["energy"] == {
        "code": "stamina", "current": 70, "max": 100, "nextRefillAt": at(5), "fullAt": at(150),
    }  # fmt: skip
    assert set(body) == {"transferId", "energy", "version"}
    clock.forward(12)
    shown = await stamina(client, player)
    assert (shown["current"], shown["nextRefillAt"]) == (72, at(15))


async def test_refill_is_written_as_a_leg_from_the_issuer_in_the_spend(
    client: httpx.AsyncClient, player: Player, clock: Clock
) -> None:
    assert (await spend(client, player, 50)).status_code == 200
    clock.forward(11)
    assert (await spend(client, player, 1)).status_code == 200
    newest = (await fresh_history(client, player))["entries"][0]
    assert newest["code"] == "energy_spend"
    assert newest["energy"]["refilled"] == 2
    legs = {(leg["account"], leg["amount"]) for leg in newest["legs"]}
    assert ("issuer:stamina", -2) in legs  # two refills since the last touch
    assert newest["stateAfter"]["stamina"] == 51


async def test_spending_more_than_there_is_is_refused_naming_current_and_next_refill(
    client: httpx.AsyncClient, player: Player, clock: Clock
) -> None:
    assert (await spend(client, player, 98)).status_code == 200
    clock.forward(1)
    body = assert_problem(await spend(client, player, 5), 422, "insufficient-energy")
    assert (body["current"], body["nextRefillAt"]) == (2, at(5))
    assert body["error"] == "Not enough Stamina: 5 needed, 2 left."


async def test_an_unknown_energy_and_a_bad_amount_are_refused(
    client: httpx.AsyncClient, player: Player
) -> None:
    unknown = await client.post("/energies/mana/spend", json={"amount": 1}, headers=player.auth)
    assert assert_problem(unknown, 404, "unknown-energy")["available"] == ["stamina"]
    assert_problem(await spend(client, player, 0), 400, "invalid-body")
    anonymous = await client.post("/energies/stamina/spend", json={"amount": 1})
    assert anonymous.status_code == 401


async def test_a_retried_key_answers_the_first_spend_and_spends_once(
    client: httpx.AsyncClient, player: Player
) -> None:
    first = await spend(client, player, 10, key="spend-1")
    again = await spend(client, player, 10, key="spend-1")
    assert first.json() == again.json()
    assert (await stamina(client, player))["current"] == 90


async def test_a_game_server_grants_above_max_up_to_overfill_with_a_modifier(
    app: Litestar,
    client: httpx.AsyncClient,
    api_settings: Settings,
    player: Player,
    clock: Clock,
) -> None:
    server = await _service(app, client, api_settings)
    body = {
        "player": player.username,
        "energy": "stamina",
        "amount": 150,
        "modifier": {"kind": "unlimited", "seconds": 600},
    }
    reply = await client.post("/grants", json=body, headers=server.auth)
    assert reply.status_code == 201, reply.text
    assert reply.json()["energy"]["current"] == 200  # overfillMax, not 250
    shown = await stamina(client, player)
    assert shown["modifiers"] == [{"kind": "unlimited", "startsAt": at(0), "endsAt": at(10)}]
    entry = (await fresh_history(client, player))["entries"][0]
    assert entry["code"] == "energy_grant"
    assert entry["energy"] == {
        "energy": "stamina", "amount": 150, "refilled": 0, "started": 100, "credited": 100,
        "unlimited": False,
        "modifier": {"kind": "unlimited", "startsAt": at(0), "endsAt": at(10), "factor": 1},
    }  # fmt: skip
    assert (await spend(client, player, 150)).json()["energy"]["current"] == 200
    clock.forward(11)
    assert (await spend(client, player, 150)).json()["energy"]["current"] == 50
    assert (await stamina(client, player))["modifiers"] == []
    plain = await client.post(
        "/grants", json={"player": player.username, "amount": 5}, headers=server.auth
    )
    assert_problem(plain, 400, "invalid-body")  # a currency grant still needs its reason


async def test_an_item_priced_in_energy_and_the_audit_holds(
    app: Litestar, client: httpx.AsyncClient, player: Player, clock: Clock
) -> None:
    for _ in range(10):
        bought = await client.post("/purchase", json={"item": "match_entry"}, headers=player.auth)
        assert bought.status_code == 200, bought.text
    refused = await client.post("/purchase", json={"item": "match_entry"}, headers=player.auth)
    assert_problem(refused, 422, "insufficient-energy")
    clock.forward(50)
    again = await client.post("/purchase", json={"item": "match_entry"}, headers=player.auth)
    assert again.status_code == 200, again.text
    assert (await stamina(client, player))["current"] == 0
    async with app.state.pool.acquire() as conn:
        report = await run_audit(conn)
    assert report.ok, [check for check in report.checks if not check.ok]
