"""`/admin/clawbacks` over HTTP: the dry run, the run in the background, and each refusal."""

import asyncio
import uuid
from typing import Any

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import Player, account, settled
from tests.api.test_validation import assert_problem

BUG = {"code": "grant", "metadata": {"campaign": "bug"}}


def keyed(who: Player) -> dict[str, str]:
    return {**who.auth, "Idempotency-Key": uuid.uuid4().hex}


async def exploited(
    app: Litestar, client: httpx.AsyncClient, settings: Settings, player: Player
) -> None:
    """The player got 3 x 50 from a bug and spent all of it."""
    server = await account(app, client, settings, "service")
    for _ in range(3):
        body = {"player": player.username, "amount": 50, "reason": "quest"}
        granted = await client.post(
            "/grants", json={**body, "metadata": {"campaign": "bug"}}, headers=keyed(server)
        )
        assert granted.status_code == 201, granted.text
    bought = await client.post(
        "/purchase", json={"item": "gold_coin", "quantity": 15}, headers=keyed(player)
    )
    assert bought.status_code == 200, bought.text


async def clawback(
    client: httpx.AsyncClient, admin: Player, body: dict[str, Any]
) -> httpx.Response:
    return await client.post("/admin/clawbacks", json=body, headers=keyed(admin))


async def test_a_dry_run_then_the_clawback_in_the_background(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, admin: Player, player: Player
) -> None:
    await exploited(app, client, api_settings, player)
    dry = await clawback(client, admin, {"filter": BUG, "reason": "exploit", "dryRun": True})
    assert dry.status_code == 200, dry.text
    effect = {"player": player.username, "asset": "diamond", "reverse": 150, "debt": 150}
    assert dry.json() == {"transfers": 3, "players": 1, "effects": [effect]}

    started = await clawback(client, admin, {"filter": BUG, "reason": "exploit"})
    assert started.status_code == 202, started.text
    body = started.json()
    assert (body["status"], body["total"]) == ("running", 3)
    progress: dict[str, Any] = {}
    for _ in range(300):  # the runner works it within a tick
        seen = await client.get(f"/admin/clawbacks/{body['clawbackId']}", headers=admin.auth)
        assert seen.status_code == 200, seen.text
        progress = seen.json()
        if progress["status"] != "running":
            break
        await asyncio.sleep(0.05)
    assert progress["status"] == "done"
    assert (progress["done"], progress["total"]) == (3, 3)
    assert progress["debtCreated"] == {"diamond": 150}
    wallet = (await client.get("/balance", headers=player.auth)).json()
    assert (wallet["balance"], wallet["debt"]) == (0, {"diamond": 150})
    # reversals that took nothing (all of it was spent) still claim their transfer, and the
    # ledger's audit (read models included) holds
    await settled(client, admin)
    audit = (await client.post("/admin/audit", headers=admin.auth)).json()
    assert audit["ok"], [c for c in audit["checks"] if not c["ok"]]
    # nothing left to claw back: every bug grant is reversed
    again = await clawback(client, admin, {"filter": BUG, "reason": "exploit"})
    assert_problem(again, 422, "nothing-to-claw-back")


async def test_refusals(client: httpx.AsyncClient, admin: Player, player: Player) -> None:
    unknown = await client.get("/admin/clawbacks/nope", headers=admin.auth)
    assert_problem(unknown, 404, "unknown-clawback")
    for bad in ({}, {"code": "gift"}, {"asset": "nope"}):
        refused = await clawback(client, admin, {"filter": bad, "reason": "r"})
        assert_problem(refused, 422, "invalid-clawback-filter")
    times = {"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}
    refused = await clawback(client, admin, {"filter": times, "reason": "r", "dryRun": True})
    assert_problem(refused, 422, "invalid-clawback-filter")
    nobody = await clawback(client, admin, {"filter": {"players": ["nobody1"]}, "reason": "r"})
    assert_problem(nobody, 404, "unknown-player")
    unlabelled = await clawback(client, admin, {"filter": {"colour": "red"}, "reason": "r"})
    assert unlabelled.status_code == 400
    forbidden = await clawback(client, player, {"filter": BUG, "reason": "r"})
    assert forbidden.status_code == 403
