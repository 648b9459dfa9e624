"""Set-up of the service's benchmark data, and the in-process (no HTTP) measurements."""

import json
import time
import urllib.request
import uuid
from datetime import UTC, datetime

import asyncpg
from argon2 import PasswordHasher

from bench.stats import Measure, summarise
from domain import accounts
from domain.commands import Purchase, SignUp, TopUp
from domain.details import PurchaseDetails
from domain.events import Leg, Transferred
from domain.ledger import Append
from infra import eventstore
from service.job import Sender
from service.ledger import LedgerService

PASSWORD = "bench-password-1"  # noqa: S105 - throwaway players of a throwaway database


async def make_players(ledger: LedgerService, count: int, funds: int) -> list[str]:
    """`count` players with `funds` diamonds each; their usernames."""
    hashed = PasswordHasher().hash(PASSWORD)
    names = []
    for index in range(count):
        name = f"bench{index}_{uuid.uuid4().hex[:6]}"
        player = await ledger.handle(SignUp(username=name), caller=Sender(password_hash=hashed))
        remaining = funds
        while remaining > 0:
            step = min(remaining, ledger.rules.top_up_max)
            await ledger.handle(TopUp(player_id=player.player_id, amount=step))
            remaining -= step
        names.append(name)
    return names


def login_all(base: str, names: list[str]) -> list[str]:
    """Bearer tokens for the players, through the real POST /login."""
    tokens = []
    for name in names:
        body = json.dumps({"username": name, "password": PASSWORD}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback only
            base + "/login", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            tokens.append(json.loads(response.read())["token"])
    return tokens


async def grow_stream(pool: asyncpg.Pool, player_id: str, events: int, batch: int = 1000) -> None:
    """Append `events` purchase transfers to a player's stream quickly (raw appends)."""
    account = accounts.player_account(player_id)
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, account)
        assert head is not None
        assert isinstance(head.event, Transferred)
        version, balances = head.version, dict(head.event.state_after)
        now = datetime.now(UTC)
        for start in range(0, events, batch):
            chunk = []
            for _ in range(min(batch, events - start)):
                # A real purchase of one gold coin (10 diamonds): the audit must still pass.
                balances["gold_coin"] = balances.get("gold_coin", 0) + 1
                balances["diamond"] = balances.get("diamond", 0) - 10
                assert balances["diamond"] >= 0, "fund the wallet before growing it"
                legs = (
                    Leg(account, "diamond", -10),
                    Leg(accounts.INFLOW, "diamond", 10),
                    Leg(accounts.issuer_account("gold_coin"), "gold_coin", -1),
                    Leg(account, "gold_coin", 1),
                )
                chunk.append(
                    Transferred(
                        transfer_id=str(uuid.uuid4()),
                        code="purchase",
                        legs=legs,
                        state_after=dict(balances),
                        occurred_at=now,
                        details=PurchaseDetails(item="gold_coin", quantity=1),
                    )
                )
            await eventstore.append(
                conn, (Append(stream=account, expected=version, events=tuple(chunk)),)
            )
            version += len(chunk)


async def sequential_purchases(
    ledger: LedgerService, player_id: str, count: int, name: str
) -> Measure:
    """Latency of `count` purchases one after another on one wallet."""
    latencies = []
    begin = time.perf_counter()
    for _ in range(count):
        start = time.perf_counter()
        await ledger.handle(Purchase(player_id=player_id, item="gold_coin"))
        latencies.append(time.perf_counter() - start)
    return summarise(name, latencies, time.perf_counter() - begin)
