"""The failover scenario's load: keyed writes from several clients, each retried with its key
until it is answered, and the holds that fall due while the database is away."""

import asyncio
import random
import time
from collections import Counter
from datetime import UTC, datetime

from harness.app import CHEAP_HASHER
from harness.client import PASSWORD, RETRYABLE, Api, Player, new_key
from infra.config import Settings
from infra.db import create_pool
from service.admins import create_admin

HOLDS = 4
STAKE = 5


class Load:
    """Keyed writes from several clients, each retried with its key until answered."""

    def __init__(self, api: Api, writes: int) -> None:
        self.api, self.writes = api, writes
        self.players: list[Player] = []
        self.server = ""  # a game server's token
        self.acked: dict[str, dict[str, str]] = {"top_up": {}, "purchase": {}}
        self.sent: list[tuple[float, float]] = []  # (sent, answered) of each acknowledged attempt
        self.failed: Counter[str] = Counter()  # attempts that failed, by status and type
        self.without_retry_after = 0
        self.killed_at: float | None = None
        self.killed_wall = datetime.now(UTC)
        self.half = asyncio.Event()

    @property
    def acks(self) -> int:
        return sum(len(keys) for keys in self.acked.values())

    async def client(self, player: Player, seed: int) -> None:
        rng = random.Random(seed)
        while self.acks < self.writes:
            if rng.random() < 0.7:
                await self.write(player, "top_up", "/top-up", {"amount": rng.randint(1, 50)})
            else:
                await self.write(player, "purchase", "/purchase", {"item": "gold_coin"})
            if self.acks >= self.writes // 4:
                self.half.set()

    async def write(self, player: Player, code: str, path: str, body: dict[str, object]) -> None:
        key, pause = new_key(), 0.05
        while True:
            sent = time.monotonic()
            reply = await self.api.call("POST", path, json=body, token=player.token, key=key)
            if reply.status == 200:
                self.acked[code][key] = reply.body["transferId"]
                self.sent.append((sent, time.monotonic()))
                return
            if reply.status not in RETRYABLE:
                raise RuntimeError(f"{path} answered {reply.status} {reply.body}")
            kind = reply.problem_type if reply.status else reply.error
            self.failed[f"{reply.status} {kind}"] += 1
            self.without_retry_after += reply.status == 503 and "retry-after" not in reply.headers
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    def stalled(self) -> float | None:
        """Seconds from the kill to the first acknowledgement of any attempt (one in flight
        at the kill too): how long no write was acknowledged."""
        if self.killed_at is None:
            return None
        after = [answered for _, answered in self.sent if answered > self.killed_at]
        return min(after) - self.killed_at if after else None

    def resumed(self) -> float | None:
        """Seconds from the kill to the first acknowledgement of an attempt sent after it."""
        if self.killed_at is None:
            return None
        after = [answered for sent, answered in self.sent if sent > self.killed_at]
        return min(after) - self.killed_at if after else None


async def prepare(load: Load, dsn: str, clients: int) -> None:
    settings = Settings(environment="test")
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        await create_admin(pool, settings, "game_server", PASSWORD, CHEAP_HASHER, role="service")
    finally:
        await pool.close()
    load.server = await load.api.login("game_server")
    load.players = [await load.api.player("failover") for _ in range(clients)]
    for player in load.players:  # keyed like the load, so the count of top-ups is exact
        await load.write(player, "top_up", "/top-up", {"amount": 10_000})


async def place_holds(load: Load) -> list[str]:
    """Holds that fall due 2 to 5 s from now: during the outage, when the primary dies."""
    placed = []
    for n, player in enumerate(load.players[:HOLDS]):
        body = {"player": player.username, "asset": "diamond", "amount": STAKE, "expiresIn": 2 + n}
        reply, _ = await load.api.until_known(
            "POST", "/holds", json=body, token=load.server, key=new_key()
        )
        if reply.status != 201:
            raise RuntimeError(f"a hold was refused: {reply.status} {reply.body}")
        placed.append(reply.body["holdId"])
    return placed
