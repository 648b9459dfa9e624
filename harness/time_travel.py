"""Time travel: the server's wall clock moves forward while the service is up, and what depends
on time changes with it: an offer ends, a daily limit resets, an energy refills, a lot
expires (issue 23; DESIGN-NOTES 15: time is an argument of every decision).

One service process runs under libfaketime (Debian's `faketime` library) with a timestamp file
it re-reads at every clock read, so the harness moves the process's clock without restarting
it; the monotonic clock is left alone, as NTP would. Without libfaketime (or with
GAMELEDGER_SCENARIO_FAKETIME=0) the scenario app reads the same file as an offset of its own
clock instead (harness/app.py).

The scenario is a list of steps (`STEPS`). Each adds what it needs to the catalog the service
starts with, then runs against the live service, moving the clock forward only (each step
starts where the one before left the clock). After the last step the projectors must catch up
and the audit, with every catalog version, must pass.
"""

import asyncio
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from harness.app import CLOCK_FILE_ENV
from harness.checks import audit, caught_up
from harness.client import Api, Player, new_key
from harness.clock import FAKETIME_ENV
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.server import ServerProcess, service_env
from infra.catalog import parse_catalog

# Debian's libfaketime; the MT build, as the service has threads (the default executor).
LIBFAKETIME = "*/faketime/libfaketimeMT.so.1"  # under /usr/lib
# What every step's entries are added to (each list extended: a step may add currencies, items
# or any other list of the catalog).
BASE_CATALOG: dict[str, Any] = {
    "currencies": [{"code": "diamond", "name": "Diamonds"}],
    "items": [{"code": "gold_coin", "name": "Gold Coin", "price": 10}],
}


class ServerClock:
    """The service's wall clock: real time plus an offset the harness moves forward."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0.0
        self._write()

    def now(self) -> datetime:
        """What the service's clock reads now."""
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def move_to(self, moment: datetime) -> None:
        """Set the service's clock to `moment` (never backwards)."""
        self.offset = max(self.offset, (moment - datetime.now(UTC)).total_seconds())
        self._write()

    def _write(self) -> None:
        # libfaketime's relative form ("+90000s"); harness/app.py reads the same.
        temporary = self.path.with_suffix(".new")
        temporary.write_text(f"{self.offset:+.3f}s\n")
        temporary.replace(self.path)  # never half a file for a clock read


@dataclass
class Travel:
    """What the steps share: the outcome, the live service, its clock and the players."""

    outcome: Outcome
    api: Api
    clock: ServerClock
    start: datetime  # the service's clock when the catalog was written
    players: list[Player] = field(default_factory=list)

    async def move_to(self, moment: datetime) -> None:
        """Move the service's clock to `moment`; the players log in again (a token's lifetime
        is counted on the service's clock too)."""
        self.clock.move_to(moment)
        self.outcome.figure(
            "service clock moved to", self.clock.now().isoformat(timespec="seconds")
        )
        for index, player in enumerate(self.players):
            token = await self.api.login(player.username)
            self.players[index] = Player(
                player.user_id, player.username, player.referral_code, token
            )

    async def buy(self, player: Player, item: str) -> tuple[int, dict[str, Any]]:
        """POST /purchase of one `item`: the status and the body."""
        reply, _ = await self.api.until_known(
            "POST", "/purchase", json={"item": item}, token=player.token, key=new_key()
        )
        return reply.status, reply.body if isinstance(reply.body, dict) else {}

    async def spend(self, player: Player, amount: int) -> tuple[int, dict[str, Any]]:
        """POST /energies/stamina/spend: the status and the body."""
        reply, _ = await self.api.until_known(
            "POST", "/energies/stamina/spend", json={"amount": amount}, token=player.token,
            key=new_key(),
        )  # fmt: skip
        return reply.status, reply.body if isinstance(reply.body, dict) else {}

    async def wallet(self, player: Player) -> dict[str, Any]:
        """GET /balance."""
        reply = await self.api.call("GET", "/balance", token=player.token)
        return reply.body if isinstance(reply.body, dict) else {}

    async def items(self, player: Player | None = None) -> dict[str, dict[str, Any]]:
        """GET /items by code (with the player's token when given)."""
        reply = await self.api.call("GET", "/items", token=player.token if player else None)
        self.outcome.check(reply.status == 200, f"GET /items answered {reply.status}")
        return {item["code"]: item for item in reply.body.get("items", [])}


@dataclass(frozen=True)
class Step:
    """One thing time changes: what it adds to the catalog, given the service's clock at the
    start, and how it checks the change on the live service."""

    name: str
    catalog: Callable[[datetime], dict[str, list[dict[str, Any]]]]
    run: Callable[[Travel], Awaitable[None]]


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _offer_catalog(start: datetime) -> dict[str, list[dict[str, Any]]]:
    window = {"availableFrom": _at(start - timedelta(hours=1)), "availableUntil": _ends(start)}
    return {"items": [{"code": "flash_sale", "name": "Flash Sale", "price": 20, **window}]}


def _ends(start: datetime) -> str:
    return _at(start.replace(microsecond=0) + timedelta(hours=1))


async def offer_ends(travel: Travel) -> None:
    """A limited-time offer sells until its end, and is refused once the clock passes it."""
    outcome, ends = travel.outcome, _ends(travel.start)
    shown = (await travel.items())["flash_sale"]
    outcome.check(shown["availableUntil"] == ends, f"GET /items shows the offer as {shown}")
    for player in travel.players:
        status, body = await travel.buy(player, "flash_sale")
        outcome.check(status == 200, f"the offer before its end: {status} {body}")
    await travel.move_to(datetime.fromisoformat(ends) + timedelta(seconds=1))
    for player in travel.players:
        status, body = await travel.buy(player, "flash_sale")
        outcome.check(
            (status, body.get("type")) == (422, "offer-not-available"),
            f"the offer after its end: {status} {body}",
        )
        outcome.check(body.get("availableUntil") == ends, f"the refusal names its end: {body}")
        status, body = await travel.buy(player, "gold_coin")
        outcome.check(status == 200, f"an item without a window after the move: {status} {body}")


def _limit_catalog(start: datetime) -> dict[str, list[dict[str, Any]]]:
    del start
    limit = {"perPlayer": 1, "window": "day"}
    return {"items": [{"code": "daily_chest", "name": "Daily Chest", "price": 5, "limit": limit}]}


async def limit_resets(travel: Travel) -> None:
    """A daily limit refuses the second purchase of the day, and sells again once the clock
    passes midnight UTC."""
    outcome, resets = travel.outcome, ""
    for player in travel.players:
        first, body = await travel.buy(player, "daily_chest")
        outcome.check(first == 200, f"the first daily chest: {first} {body}")
        second, body = await travel.buy(player, "daily_chest")
        outcome.check(
            (second, body.get("type"), body.get("used")) == (422, "purchase-limit-reached", 1),
            f"the second daily chest of the day: {second} {body}",
        )
        resets = str(body.get("resetsAt"))
        left = (await travel.items(player))["daily_chest"]
        outcome.check((left.get("remaining"), left.get("resetsAt")) == (0, resets), f"{left}")
    await travel.move_to(datetime.fromisoformat(resets) + timedelta(seconds=1))
    for player in travel.players:
        left = (await travel.items(player))["daily_chest"]
        outcome.check(left.get("remaining") == 1, f"after midnight UTC GET /items shows {left}")
        status, body = await travel.buy(player, "daily_chest")
        outcome.check(status == 200, f"the daily chest after midnight UTC: {status} {body}")


REFILL_SECONDS = 600  # the scenario's energy refills 1 every 10 minutes, up to 10


def _energy_catalog(start: datetime) -> dict[str, list[dict[str, Any]]]:
    del start
    stamina = {"code": "stamina", "name": "Stamina", "max": 10, "start": 10, "refill": 1}
    return {"energies": [{**stamina, "refillSeconds": REFILL_SECONDS}]}


async def energy_refills(travel: Travel) -> None:
    """An energy spent to nothing is refused, and has refilled by whole intervals once the clock
    has moved past three of them (computed at the next touch, never by a timer)."""
    outcome = travel.outcome
    for player in travel.players:
        status, body = await travel.spend(player, 10)
        outcome.check(status == 200, f"spending the whole energy: {status} {body}")
        status, body = await travel.spend(player, 1)
        outcome.check(
            (status, body.get("type"), body.get("current")) == (422, "insufficient-energy", 0),
            f"spending an empty energy: {status} {body}",
        )
    await travel.move_to(travel.clock.now() + timedelta(seconds=3 * REFILL_SECONDS + 1))
    for player in travel.players:
        wallet = await travel.wallet(player)
        current = wallet.get("energies", {}).get("stamina", {}).get("current")
        outcome.check(current == 3, f"after three refill intervals /balance shows {wallet}")
        status, body = await travel.spend(player, 3)
        outcome.check(
            status == 200 and body.get("energy", {}).get("current") == 0,
            f"spending the refill: {status} {body}",
        )


LOT_SECONDS = 3600  # the scenario's expiring currency lasts an hour


def _lot_catalog(start: datetime) -> dict[str, list[dict[str, Any]]]:
    del start
    token = {"code": "event_token", "name": "Event Tokens", "supply": 1_000_000}
    return {"currencies": [{**token, "expiresAfterSeconds": LOT_SECONDS}]}


async def lot_expires(travel: Travel) -> None:
    """A credit of an expiring currency is a lot; once the clock passes its expiry, the expirer
    gives it back to its treasury (a transfer of code `expiry`) and the wallet no longer has it."""
    outcome = travel.outcome
    for player in travel.players:
        body = {"amount": 50, "currency": "event_token"}
        reply, _ = await travel.api.until_known(
            "POST", "/top-up", json=body, token=player.token, key=new_key()
        )
        outcome.check(reply.status == 200, f"a top-up of event tokens: {reply.body}")
        lots = (await travel.wallet(player)).get("lots", {}).get("event_token", [])
        outcome.check([lot["amount"] for lot in lots] == [50], f"the lot after the top-up: {lots}")
    await travel.move_to(travel.clock.now() + timedelta(seconds=LOT_SECONDS + 1))
    for player in travel.players:
        wallet: dict[str, Any] = {}
        for _ in range(300):  # the expirer runs every second: 30 s is ample
            wallet = await travel.wallet(player)
            if wallet.get("wallet", {}).get("event_token") == 0:
                break
            await asyncio.sleep(0.1)
        outcome.check(
            wallet.get("wallet", {}).get("event_token") == 0 and not wallet.get("lots"),
            f"after the lot's expiry /balance shows {wallet}",
        )
        reply = await travel.api.call("GET", "/history?limit=1", token=player.token)
        newest = (reply.body.get("entries") or [{}])[0] if isinstance(reply.body, dict) else {}
        outcome.check(newest.get("code") == "expiry", f"the newest history entry: {newest}")


# In order; the clock only moves forward.
STEPS: tuple[Step, ...] = (
    Step("an offer ends", _offer_catalog, offer_ends),
    Step("a daily limit resets", _limit_catalog, limit_resets),
    Step("an energy refills", _energy_catalog, energy_refills),
    Step("a lot expires", _lot_catalog, lot_expires),
)


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("time-travel", quick)
    faketime = _libfaketime()
    outcome.figure("clock moved by", "libfaketime" if faketime else "the scenario app's offset")
    with tempfile.TemporaryDirectory(prefix="gameledger-time-") as folder:
        clock = ServerClock(Path(folder) / "clock")
        start = clock.now()
        catalog = Path(folder) / "catalog.json"
        catalog.write_bytes(msgspec.json.encode(_catalog(start)))
        configured = parse_catalog(catalog.read_bytes())
        async with fresh_database(server_dsn, "time") as dsn:
            server = _server(dsn, clock.path, catalog, faketime)
            try:
                await server.start()
                async with Api(server.base) as api:
                    travel = Travel(outcome, api, clock, start)
                    for n in range(2 if quick else 20):
                        player = await api.player(f"traveller{n}")
                        await api.fund(player, 1_000)
                        travel.players.append(player)
                    for step in STEPS:
                        outcome.figure("step", step.name)
                        await step.run(travel)
                caught = await caught_up(dsn, 60)
                outcome.check(caught is not None, "projectors did not catch up")
            finally:
                await server.stop()
                server.close()
            await audit(outcome, dsn, catalog=configured)
    outcome.finish()
    return outcome


def _catalog(start: datetime) -> dict[str, Any]:
    catalog: dict[str, Any] = {key: list(value) for key, value in BASE_CATALOG.items()}
    for step in STEPS:
        for key, entries in step.catalog(start).items():
            catalog.setdefault(key, []).extend(entries)
    return catalog


def _libfaketime() -> str | None:
    """The libfaketime library, unless it is missing or turned off."""
    if os.environ.get(FAKETIME_ENV) == "0" or shutil.which("faketime") is None:
        return None
    found = sorted(Path("/usr/lib").glob(LIBFAKETIME))
    return str(found[0]) if found else None


def _server(dsn: str, clock: Path, catalog: Path, library: str | None) -> ServerProcess:
    env = service_env(dsn, CATALOG_FILE=str(catalog))
    env.pop("GAMELEDGER_SCENARIO_CLOCK_SKEW", None)
    if library is None:
        return ServerProcess({**env, CLOCK_FILE_ENV: str(clock)})
    # No FAKETIME variable: libfaketime then reads the timestamp file, and with no cache it
    # re-reads it at every clock read, so a move applies at once.
    faked = {
        "LD_PRELOAD": library,
        "FAKETIME_TIMESTAMP_FILE": str(clock),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    env.pop("FAKETIME", None)
    return ServerProcess({**env, **faked})
