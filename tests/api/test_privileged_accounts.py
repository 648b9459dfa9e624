"""Privileged accounts are not wallets (issue 20, item 6): gifts, trades, payouts, referrals.

Service (game-server) and admin accounts once received gifts, trades, settlement payouts (a game
server paid a pot to itself) and referral bonuses. Each is now refused with 422 `not-a-player`,
and nothing is written: every wallet involved keeps its balance and its version.
"""

import uuid
from typing import Any

import httpx
from litestar import Litestar

from infra.config import Settings
from tests.api.conftest import PASSWORD, Player, SignUp, account
from tests.api.test_trades import OFFER, funded, wallet


def not_a_player(reply: httpx.Response, named: str) -> None:
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    body = reply.json()
    assert body["type"] == "not-a-player"
    assert named in body["error"], body


async def state(client: httpx.AsyncClient, *players: Player) -> list[tuple[Any, ...]]:
    """Each wallet as its owner reads it: balance, items and stream version (read-your-writes;
    `held` is left out, its read models may lag)."""
    found = []
    for player in players:
        w = await wallet(client, player)
        found.append((w["balance"], w["inventory"], w["version"]))
    return found


async def test_a_gift_to_a_privileged_account_is_refused(
    client: httpx.AsyncClient, rich_player: Player, privileged: Player
) -> None:
    before = await state(client, rich_player, privileged)
    gift = {"to": privileged.username, "asset": "diamond", "amount": 10}
    not_a_player(
        await client.post("/transfers", json=gift, headers=rich_player.auth), privileged.username
    )
    assert await state(client, rich_player, privileged) == before


async def test_a_privileged_account_gives_nothing(
    client: httpx.AsyncClient, player: Player, privileged: Player
) -> None:
    before = await state(client, player)
    gift = {"to": player.username, "asset": "diamond", "amount": 1}
    refused = await client.post("/transfers", json=gift, headers=privileged.auth)
    not_a_player(refused, "This account")
    assert await state(client, player) == before


async def test_no_trade_is_offered_to_or_by_a_privileged_account(
    client: httpx.AsyncClient, sign_up: SignUp, privileged: Player
) -> None:
    alice = await funded(client, await sign_up(), coins=2)
    before = await state(client, alice, privileged)
    to_it = await client.post(
        "/trades", json={"to": privileged.username, **OFFER}, headers=alice.auth
    )
    not_a_player(to_it, privileged.username)
    by_it = await client.post(
        "/trades", json={"to": alice.username, **OFFER}, headers=privileged.auth
    )
    not_a_player(by_it, "This account")
    assert await state(client, alice, privileged) == before
    assert (await client.get("/trades", headers=alice.auth)).json() == {"trades": []}


async def test_a_trade_is_not_accepted_once_its_recipient_is_promoted(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    alice = await funded(client, await sign_up(), coins=2)
    bob = await funded(client, await sign_up())
    offered = await client.post("/trades", json={"to": bob.username, **OFFER}, headers=alice.auth)
    assert offered.status_code == 201, offered.text
    url = f"/trades/{offered.json()['tradeId']}"
    await account(app, client, api_settings, "service", name=bob.username)
    before = await state(client, alice, bob)
    not_a_player(await client.post(f"{url}/accept", headers=bob.auth), bob.username)
    assert await state(client, alice, bob) == before
    assert (await client.get(url, headers=alice.auth)).json()["status"] == "open"
    # The escrow still goes back to the player it came from.
    assert (await client.post(f"{url}/decline", headers=bob.auth)).status_code == 200
    assert (await wallet(client, alice))["inventory"]["goldCoins"] == 2


async def test_a_game_server_cannot_pay_a_pot_to_itself(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    server = await account(app, client, api_settings, "service")
    operator = await account(app, client, api_settings, "admin")
    players = [await funded(client, await sign_up()) for _ in range(2)]
    holds = []
    for p in players:
        body = {"player": p.username, "asset": "diamond", "amount": 100, "expiresIn": 600}
        placed = await client.post("/holds", json=body, headers=server.auth)
        assert placed.status_code == 201, placed.text
        holds.append(placed.json()["holdId"])
    before = await state(client, *players, server, operator)
    for winner in (server, operator):
        pot = {"holds": holds, "payouts": [{"to": winner.username, "amount": 150}]}
        refused = await client.post("/settlements", json=pot, headers=server.auth)
        not_a_player(refused, winner.username)
    assert await state(client, *players, server, operator) == before
    for hold in holds:
        assert (await client.get(f"/holds/{hold}", headers=server.auth)).json()["status"] == (
            "pending"
        )


async def test_a_privileged_accounts_referral_code_is_refused(
    client: httpx.AsyncClient, privileged: Player
) -> None:
    before = await state(client, privileged)
    body = {"username": f"newbie_{uuid.uuid4().hex[:6]}", "password": PASSWORD}
    refused = await client.post("/signup", json={**body, "referralCode": privileged.referral_code})
    not_a_player(refused, privileged.referral_code)
    assert privileged.username not in refused.json()["error"]  # no token: no names told
    assert await state(client, privileged) == before
    # Nothing was written: the name is still free, and the player signs up without the code.
    assert (await client.post("/signup", json=body)).status_code == 201


async def test_no_hold_is_placed_on_a_privileged_account(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, privileged: Player
) -> None:
    server = await account(app, client, api_settings, "service")
    before = await state(client, privileged)
    body = {"player": privileged.username, "asset": "diamond", "amount": 1, "expiresIn": 600}
    not_a_player(await client.post("/holds", json=body, headers=server.auth), privileged.username)
    assert await state(client, privileged) == before
