"""The attackers of `hostile-neighbours` (harness/hostile_neighbours.py).

Every request is labelled with what it tries. A `poison` or `attack` request must be refused
with a 4xx; a `collide` request is the attacker's own valid write made with somebody else's key,
and may succeed, but never with a 5xx.
"""

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field

from harness.client import Api, Player, Reply

NUL, SURROGATE = "\u0000", "\\ud800"  # a lone surrogate as JSON text writes it
FLOOD_HEADER = 20 * 1024  # over MAX_HEADER_BYTES (16 KiB)
LONG_LINE = 9 * 1024  # over the 8 KiB request line
REWARD = 7
STAKE = 20  # what game server A stakes per seat


@dataclass
class Hostile:
    """Hostile players, and the game server B, against game server A and the honest crowd."""

    api: Api
    base: str
    server_a: str
    server_b: str
    crowd: list[Player]
    players: list[Player] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    wrong_answers: list[str] = field(default_factory=list)
    own_top_ups: dict[str, str] = field(default_factory=dict)  # key -> transfer id
    rewards: dict[str, str] = field(default_factory=dict)  # key -> status or transfer id

    async def loop(self, n: int, rounds: int) -> None:
        """Hostile player n: poison, colliding keys and floods, each round."""
        me = self.players[n]
        for r in range(rounds):
            await self._poison(me)
            await self._collide(me, n, r)
            await self._flood(me)
            await self._privileged(me)

    async def attack_holds(self, holds: list[str]) -> None:
        """Game server B reads, captures, voids and settles A's holds to itself."""
        b = self.server_b
        for hold in holds:
            await self._expect("attack", "GET", f"/holds/{hold}", None, b)
            await self._expect("attack", "POST", f"/holds/{hold}/capture", None, b)
            await self._expect("attack", "POST", f"/holds/{hold}/void", None, b)
        settle = {"holds": holds, "payouts": [{"to": "server_b", "amount": STAKE * len(holds)}]}
        await self._expect("attack", "POST", "/settlements", settle, b)
        steal = {"holds": holds, "payouts": [{"to": self.players[0].username, "amount": 1}]}
        await self._expect("attack", "POST", "/settlements", steal, b)

    async def reward(self, round_: int) -> None:
        """Game server A rewards every hostile player with a key that player used first."""
        transfers = [
            {"kind": "top_up", "playerId": p.user_id, "amount": REWARD,
             "idempotencyKey": reward_key(round_, h)}
            for h, p in enumerate(self.players)
        ]  # fmt: skip
        batch = {"transfers": transfers}
        reply = await self._send("POST", "/batch/transfers", batch, self.server_a)
        for h, result in enumerate(_results(reply, len(transfers))):
            self.rewards[reward_key(round_, h)] = result

    def rewards_applied(self) -> bool:
        """Every reward was applied (`ok`) as its own transfer, not the player's top-up."""
        return all(
            value.startswith("ok:") and value[3:] != self.own_top_ups.get(key)
            for key, value in self.rewards.items()
        )

    async def _poison(self, me: Player) -> None:
        victim = self.crowd[0].username
        bodies = [
            ("/transfers", {"to": victim, "asset": "diamond", "amount": 1, "memo": "x" + NUL}),
            ("/top-up", {"amount": 5, "metadata": {"note": "a" + NUL + "b"}}),
            ("/purchase", {"item": "gold_coin", "metadata": {"note": "a" + NUL + "b"}}),
            ("/top-up", {"amount": 5, "metadata": {"a" + NUL: "b"}}),
        ]
        for path, body in bodies:
            await self._expect("poison", "POST", path, body, me.token)
        raw = b'{"amount": 5, "metadata": {"note": "' + SURROGATE.encode() + b'"}}'
        await self._expect("poison", "POST", "/top-up", None, me.token, content=raw)
        signup = {"username": f"nul_{me.user_id[:8]}", "password": "p" * 12,
                  "metadata": {"n": NUL}}  # fmt: skip
        await self._expect("poison", "POST", "/signup", signup, None)
        await self._expect("poison", "GET", "/history?meta.x=%00", None, me.token)
        hold = {"player": me.username, "asset": "diamond", "amount": 1, "expiresIn": 60,
                "memo": "x" + NUL}  # fmt: skip
        await self._expect("poison", "POST", "/holds", hold, self.server_b)
        grant = {"player": me.username, "amount": 1, "reason": "r" + NUL}
        await self._expect("poison", "POST", "/grants", grant, self.server_b)
        await self._raw_key(me)

    async def _collide(self, me: Player, n: int, r: int) -> None:
        """The attacker's own top-ups with an honest player's keys and A's reward key."""
        for what in ("buy", "gift", "offer"):
            key = honest_key(n % len(self.crowd), r, what)
            await self._expect("collide", "POST", "/top-up", {"amount": 1}, me.token, key=key)
        key = reward_key(r, n)
        reply = await self._expect("collide", "POST", "/top-up", {"amount": 1}, me.token, key=key)
        if reply.status == 200:
            self.own_top_ups[key] = reply.body["transferId"]

    async def _flood(self, me: Player) -> None:
        pad = {"X-Pad": "a" * FLOOD_HEADER}
        await self._expect("poison", "GET", "/balance", None, me.token, headers=pad)
        await self._expect("poison", "GET", "/balance?x=" + "y" * LONG_LINE, None, me.token)
        many = {f"X-Pad-{i}": "b" * 1000 for i in range(40)}
        await self._expect("poison", "GET", "/balance", None, me.token, headers=many)

    async def _privileged(self, me: Player) -> None:
        """Game servers and operators are not wallets: nothing may pay them."""
        gift = {"to": "server_a", "asset": "diamond", "amount": 1}
        await self._expect("attack", "POST", "/transfers", gift, me.token)
        offer = {"to": "server_b", "give": {"gold_coin": 1}, "want": {"diamond": 1},
                 "expiresIn": 60}  # fmt: skip
        await self._expect("attack", "POST", "/trades", offer, me.token)
        await self._expect("attack", "POST", "/top-up", {"amount": 5}, self.server_b)

    async def _raw_key(self, me: Player) -> None:
        """An Idempotency-Key with a NUL byte, sent as raw bytes (HTTP clients refuse to)."""
        host, _, port = self.base.removeprefix("http://").partition(":")
        body = b'{"amount": 5}'
        request = (
            b"POST /top-up HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"Authorization: Bearer " + me.token.encode() + b"\r\n"
            b"Idempotency-Key: k\x00x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            writer.write(request)
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), 15)
        finally:
            writer.close()
        parts = status_line.split()
        self._judge("poison", "POST /top-up raw key", int(parts[1]) if len(parts) > 1 else 0, "")

    async def _expect(
        self,
        label: str,
        method: str,
        path: str,
        body: object,
        token: str | None,
        *,
        key: str | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        if content is None and body is not None:
            content = json.dumps(body).encode()  # json.dumps writes NUL as \u0000
        reply = await self.api.call(
            method, path, content=content, token=token, key=key, headers=headers
        )
        self._judge(label, f"{method} {path[:40]}", reply.status, reply.problem_type)
        return reply

    async def _send(self, method: str, path: str, body: object, token: str) -> Reply:
        return await self.api.call(method, path, content=json.dumps(body).encode(), token=token)

    def _judge(self, label: str, what: str, status: int, problem: str) -> None:
        self.answers[f"{label} {status} {problem}".strip()] += 1
        wrong = status >= 500 if label == "collide" else (status < 300 or status >= 500)
        if wrong and status != 0:
            self.wrong_answers.append(f"{label} {what}: {status} {problem}")


def reward_key(round_: int, hostile: int) -> str:
    """The key game server A rewards hostile player `hostile` with in round `round_`."""
    return f"reward-{round_}-{hostile}"


def honest_key(player: int, round_: int, what: str) -> str:
    """The guessable key honest player `player` sends for `what` in round `round_`."""
    return f"p{player}-{round_}-{what}"


def _results(reply: Reply, count: int) -> list[str]:
    if reply.status != 200 or not isinstance(reply.body, dict):
        return [f"batch {reply.status}"] * count
    return [
        f"ok:{r['transferId']}" if r["status"] == "ok" else str(r["status"])
        for r in reply.body["results"]
    ]
