"""A game server's match, with the Python SDK (sdk/python): stakes, a settlement with a rake,
retries through a restart, and a verified webhook.

    python examples/match_server.py http://127.0.0.1:8080 arena alice bob
    (the service account's password in GAMELEDGER_SERVICE_PASSWORD; `gameledger admin create
    arena --role service` makes one; alice and bob are players with diamonds)

Every write's idempotency key is derived from the match id (`match-7:stake:alice`,
`match-7:settle`), so a game server that crashed, or saw the ledger restart, replays the same
match from the start: the stakes placed before answer the same holds, and the settlement is
applied once. Within one call the SDK already retries a lost answer with the same key.
"""

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from gameledger_client import (
    AsyncGameLedger,
    RetryPolicy,
    WebhookEvent,
    WebhookVerificationError,
    models,
    verify,
)

# Patient enough to ride out a restart of the ledger (a few seconds).
THROUGH_RESTARTS = RetryPolicy(attempts=40, backoff=0.2, max_backoff=1.0)


@dataclass(frozen=True)
class Match:
    """Two (or more) players stake the same amount; the winner takes the pot less the rake."""

    match_id: str
    players: tuple[str, ...]
    stake: int
    winner: str
    rake_percent: int = 10

    def key(self, step: str) -> str:
        """The idempotency key of one step of this match."""
        return f"{self.match_id}:{step}"


async def stake(ledger: AsyncGameLedger, match: Match) -> list[str]:
    """Hold each player's stake; the hold ids (the same ones when run again)."""
    holds = []
    for player in match.players:
        body = models.HoldRequest(
            player=player, asset="diamond", amount=match.stake, expires_in=600,
            memo=f"stake for {match.match_id}", metadata={"matchId": match.match_id},
        )  # fmt: skip
        hold = await ledger.place_hold(body, idempotency_key=match.key(f"stake:{player}"))
        holds.append(hold.hold_id)
    return holds


async def settle(
    ledger: AsyncGameLedger, match: Match, holds: list[str]
) -> models.SettlementResponse:
    """Capture the stakes and pay the winner the pot less the rake (the rake stays with the
    treasury)."""
    pot = match.stake * len(match.players)
    prize = pot - pot * match.rake_percent // 100
    body = models.SettlementRequest(
        holds=holds, payouts=[models.PayoutItem(to=match.winner, amount=prize)],
        memo=f"{match.match_id} won by {match.winner}", metadata={"matchId": match.match_id},
    )  # fmt: skip
    return await ledger.settle(body, idempotency_key=match.key("settle"))


async def play(ledger: AsyncGameLedger, match: Match) -> models.SettlementResponse:
    """The whole match, from the start: safe to run again after any failure."""
    return await settle(ledger, match, await stake(ledger, match))


@dataclass
class WebhookReceiver:
    """A minimal HTTP endpoint for the ledger's webhooks: verifies each delivery, keeps it."""

    secret: str = ""
    events: list[WebhookEvent] = field(default_factory=list)
    refused: int = 0
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    port: int = 0

    @property
    def url(self) -> str:
        """Where to register it."""
        return f"http://127.0.0.1:{self.port}/ledger-webhooks"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One request: 204 when the signature holds, 400 (and nothing kept) otherwise."""
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")[1:]
            headers = dict(self._header(line) for line in head if ":" in line)
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status = await self.receive(headers, body)
            writer.write(f"HTTP/1.1 {status} -\r\ncontent-length: 0\r\n\r\n".encode())
            await writer.drain()
        writer.close()

    async def receive(self, headers: dict[str, str], body: bytes) -> int:
        """Verify and keep one delivery; the status to answer."""
        try:
            event = verify(self.secret, headers, body)
        except WebhookVerificationError:
            self.refused += 1
            return 400
        async with self.arrived:
            if all(seen.id != event.id for seen in self.events):  # at least once: dedupe
                self.events.append(event)
            self.arrived.notify_all()
        return 204

    async def wait_for(self, event_type: str) -> WebhookEvent:
        """The first verified event of this type (bound the wait with asyncio.timeout)."""
        async with self.arrived:
            while True:
                found = [e for e in self.events if e.type == event_type]
                if found:
                    return found[0]
                await self.arrived.wait()

    @staticmethod
    def _header(line: str) -> tuple[str, str]:
        name, _, value = line.partition(":")
        return name.strip().lower(), value.strip()


@contextlib.asynccontextmanager
async def listening(receiver: WebhookReceiver) -> AsyncIterator[WebhookReceiver]:
    """The receiver on a free loopback port for the duration of the block."""
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", receiver.port)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        server.close()
        await server.wait_closed()


async def main(url: str, service: str, players: list[str]) -> None:
    """Log in as the game server, play one match, print the settlement."""
    async with AsyncGameLedger(url, retry=THROUGH_RESTARTS) as ledger:
        await ledger.login(service, os.environ["GAMELEDGER_SERVICE_PASSWORD"])
        match = Match(f"match-{os.getpid()}", tuple(players), stake=100, winner=players[0])
        print(await play(ledger, match))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
