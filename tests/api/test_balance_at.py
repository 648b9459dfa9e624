"""Balances in the past: GET /balance?at=|version=, the operators' route and the CLI."""

from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.api.conftest import Player, fresh_history
from tests.api.test_cli_admin import gameledger


async def write(client: httpx.AsyncClient, player: Player, path: str, body: dict[str, Any]) -> None:
    reply = await client.post(path, json=body, headers=player.auth)
    assert reply.status_code == 200, reply.text


async def at(client: httpx.AsyncClient, player: Player, **params: Any) -> dict[str, Any]:
    reply = await client.get("/balance", params=params, headers=player.auth)
    assert reply.status_code == 200, reply.text
    wallet: dict[str, Any] = reply.json()
    assert wallet["stale"] is False
    return wallet


async def three_steps(client: httpx.AsyncClient, player: Player) -> dict[int, str]:
    """Top-up 100 (v2), buy a gold coin (v3), top-up 50 (v4); each version's occurredAt."""
    await write(client, player, "/top-up", {"amount": 100})
    await write(client, player, "/purchase", {"item": "gold_coin"})
    await write(client, player, "/top-up", {"amount": 50})
    page = await fresh_history(client, player)
    return {e["version"]: e["occurredAt"] for e in page["entries"]}


async def test_the_wallet_after_a_version(client: httpx.AsyncClient, player: Player) -> None:
    await three_steps(client, player)
    after = await at(client, player, version=3)
    assert (after["version"], after["balance"]) == (3, 90)
    assert after["inventory"] == {"goldCoins": 1, "treasureBoxes": 0}
    assert after["balances"] == {"diamond": 90, "gold_coin": 1}
    assert after["held"] is None  # not reconstructed for the past
    assert (await at(client, player, version=4))["balance"] == 140
    signed_up = await at(client, player, version=1)
    assert (signed_up["version"], signed_up["balance"], signed_up["balances"]) == (1, 0, {})
    assert signed_up["username"] == player.username


async def test_the_wallet_at_a_time(client: httpx.AsyncClient, player: Player) -> None:
    times = await three_steps(client, player)
    exactly = await at(client, player, at=times[3])  # at or before: the event at that instant
    assert (exactly["version"], exactly["balance"], exactly["asOf"]) == (3, 90, times[3])
    between = (
        datetime.fromisoformat(times[3])
        + (datetime.fromisoformat(times[4]) - datetime.fromisoformat(times[3])) / 2
    )
    assert (await at(client, player, at=between.isoformat()))["version"] == 3
    future = (datetime.fromisoformat(times[4]) + timedelta(days=1)).isoformat()
    assert (await at(client, player, at=future))["balance"] == 140


async def test_before_the_first_event_the_player_did_not_exist(
    client: httpx.AsyncClient, player: Player
) -> None:
    times = await three_steps(client, player)
    before = (datetime.fromisoformat(times[2]) - timedelta(days=1)).isoformat()
    wallet = await at(client, player, at=before)
    assert (wallet["version"], wallet["balance"], wallet["asOf"]) == (0, 0, None)
    assert wallet["inventory"] == {"goldCoins": 0, "treasureBoxes": 0}


async def test_the_plain_balance_is_unchanged(client: httpx.AsyncClient, player: Player) -> None:
    await three_steps(client, player)
    wallet = (await client.get("/balance", headers=player.auth)).json()
    plain = {"username", "balance", "version", "referralCode", "inventory", "held", "wallet"}
    plain.add("debt")
    plain |= {"energies", "lots"}  # issue 23
    assert set(wallet) == plain
    assert (wallet["balance"], wallet["version"]) == (140, 4)


async def test_bad_points_in_time_are_problems(client: httpx.AsyncClient, player: Player) -> None:
    await three_steps(client, player)
    cases = [
        ({"at": "last tuesday"}, 400, "at must be an RFC 3339 time"),
        ({"at": "2026-12-01T10:00:00"}, 400, "at must be an RFC 3339 time"),
        ({"version": "0"}, 400, "version"),
        ({"version": "two"}, 400, "version"),
        ({"version": "9"}, 404, "no version 9; its latest is 4"),
        ({"version": "2", "at": "2026-12-01T10:00:00Z"}, 400, "not both"),
    ]
    for params, status, said in cases:
        reply = await client.get("/balance", params=params, headers=player.auth)
        assert reply.status_code == status, (params, reply.text)
        assert said in reply.json()["error"], reply.json()


async def test_operators_see_any_players_past(
    client: httpx.AsyncClient, player: Player, admin: Player
) -> None:
    await three_steps(client, player)
    url = f"/admin/players/{player.username}/balance"
    reply = await client.get(url, params={"version": 3}, headers=admin.auth)
    assert reply.status_code == 200, reply.text
    assert (reply.json()["username"], reply.json()["balance"]) == (player.username, 90)
    assert (await client.get(url, headers=admin.auth)).json()["balance"] == 140
    missing = await client.get("/admin/players/nobody_here/balance", headers=admin.auth)
    assert (missing.status_code, missing.json()["type"]) == (404, "unknown-player")
    assert (await client.get(url, headers=player.auth)).status_code == 403


async def test_the_cli_answers_the_past_and_refuses_bad_input(
    client: httpx.AsyncClient, player: Player, db_dsn: str
) -> None:
    times = await three_steps(client, player)
    env = {"DATABASE_URL": db_dsn, "JWT_SECRET": ""}
    status, output = await gameledger("balance", player.username, "--at", times[3], env=env)
    assert status == 0, output
    assert f"{player.username} after version 3" in output
    assert "diamond 90, gold_coin 1" in output
    status, output = await gameledger("balance", player.username, "--version", "4", env=env)
    assert (status, "diamond 140" in output) == (0, True), output
    for args in (["--at", "soon"], ["--version", "0"], ["--version", "99"]):
        status, output = await gameledger("balance", player.username, *args, env=env)
        assert status != 0, output
        assert len(output.strip().splitlines()) == 1, output
        assert output.startswith("gameledger: "), output
    status, output = await gameledger("balance", "nobody_here", env=env)
    assert (status, output.strip()) == (1, "gameledger: no player has this username: nobody_here")
