"""Clock skew: two instances on one database, one clock an hour ahead, one an hour behind.

The instances run under libfaketime (Debian's `faketime`) when it is installed, so every clock
read in the process is shifted, the C libraries' included; the monotonic clock is left alone,
as NTP would. Without it, GAMELEDGER_SCENARIO_CLOCK_SKEW shifts the wall clock inside the
process (harness/app.py). GAMELEDGER_SCENARIO_FAKETIME=0 forces that fallback.

Writes for one player alternate between the instances, so neighbouring events' wall times jump
by two hours back and forth. Balances, versions and history must follow the log's order (stream
version), never wall time: history pages run version by version whatever `occurredAt` says.
Tokens are checked against the checking instance's own clock with a few seconds of leeway: a
token from the other instance is refused, and the leeway holds on either side of expiry.
"""

import itertools
import os
import shutil
import time
from datetime import datetime
from typing import Any

from harness import tokens
from harness.checks import audit, caught_up, contiguous_versions
from harness.client import Api, Player, new_key
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.server import ServerProcess, service_env

SKEW = 3600
LEEWAY = 5  # service.sessions.LEEWAY, the tokens' leeway
TOKEN_TTL = 900
FAKETIME_ENV = "GAMELEDGER_SCENARIO_FAKETIME"


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("clock", quick)
    writes = 40 if quick else 400
    faketime = _faketime()
    outcome.figure("clock shifted by", "libfaketime" if faketime else "in-process skew")
    async with fresh_database(server_dsn, "clock") as dsn:
        ahead, behind = (_skewed(dsn, seconds, faketime) for seconds in (SKEW, -SKEW))
        try:
            await ahead.start()
            await behind.start()
            async with Api(ahead.base) as early, Api(behind.base) as late:
                player = await early.player("skewed")
                pair = ((early, player.token), (late, await late.login(player.username)))
                balance = await _alternate(outcome, pair, writes)
                await _read_back(outcome, pair, balance, writes)
                await _tokens(outcome, pair, player)
            # While the servers (and so their projectors) still run: the projectors' horizon is
            # cluster-wide, so another database's open transaction can hold them back for a
            # while, and once they are stopped nothing would catch up (a loaded run failed so).
            caught = await caught_up(dsn, 60)
            outcome.check(caught is not None, "projectors did not catch up")
        finally:
            for server in (ahead, behind):
                await server.stop()
                server.close()
        await contiguous_versions(outcome, dsn)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


def _faketime() -> str | None:
    """The `faketime` command, unless it is missing or turned off."""
    if os.environ.get(FAKETIME_ENV) == "0":
        return None
    return shutil.which("faketime")


def _skewed(dsn: str, seconds: int, faketime: str | None) -> ServerProcess:
    """A service process whose wall clock runs `seconds` off."""
    # Tokens shorter than the instances' 2-hour disagreement, so a token carried across is
    # refused; with the default day-long tokens it would rightly still be within its lifetime.
    ttl = {"TOKEN_TTL_SECONDS": str(TOKEN_TTL)}
    if faketime is None:
        return ServerProcess(service_env(dsn, GAMELEDGER_SCENARIO_CLOCK_SKEW=str(seconds), **ttl))
    env = service_env(dsn, FAKETIME_DONT_FAKE_MONOTONIC="1", **ttl)
    env.pop("GAMELEDGER_SCENARIO_CLOCK_SKEW", None)
    wrapper = (faketime, "-m", "--exclude-monotonic", "-f", f"{seconds:+d}s")
    return ServerProcess(env, wrapper=wrapper)


async def _alternate(outcome: Outcome, pair: tuple[tuple[Api, str], ...], writes: int) -> int:
    """Top-ups and purchases, alternating instances; the balance the model expects."""
    balance = 0
    for n in range(writes):
        api, token = pair[n % 2]
        body: dict[str, Any]
        if n % 3 == 2 and balance >= 10:
            path, body, delta = "/purchase", {"item": "gold_coin"}, -10
        else:
            path, body, delta = "/top-up", {"amount": n + 1}, n + 1
        reply, _ = await api.until_known("POST", path, json=body, token=token, key=new_key())
        if outcome.check(reply.status == 200, f"{path} answered {reply.status} {reply.body}"):
            balance += delta
            outcome.check(reply.body["balance"] == balance, f"write {n}: {reply.body}")
    outcome.figure("writes alternating between +1 h and -1 h", writes)
    return balance


async def _read_back(
    outcome: Outcome, pair: tuple[tuple[Api, str], ...], balance: int, writes: int
) -> None:
    for api, token in pair:
        wallet = await api.call("GET", "/balance", token=token)
        outcome.check(wallet.body["balance"] == balance, f"balance {wallet.body} != {balance}")
        entries = await _history(api, token)
        versions = [e["version"] for e in entries]
        outcome.check(
            versions == list(range(versions[0], versions[0] - len(versions), -1)),
            "history is not in version order",
        )
        outcome.check(len(entries) >= writes, f"{len(entries)} history entries")
        times = [datetime.fromisoformat(e["occurredAt"]) for e in entries]
        jumps = sum(1 for newer, older in itertools.pairwise(times) if newer < older)
    outcome.figure("history entries whose wall time runs backwards", jumps)
    outcome.check(jumps > 0, "the two clocks did not disagree: the skew was not applied")


async def _history(api: Api, token: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = f"?limit=100&cursor={cursor}" if cursor else "?limit=100"
        page = await api.call("GET", "/history" + query, token=token)
        entries += page.body["entries"]
        cursor = page.body.get("nextCursor")
        if not cursor:
            return entries


async def _tokens(outcome: Outcome, pair: tuple[tuple[Api, str], ...], player: Player) -> None:
    (early, early_token), (late, late_token) = pair
    crossed = (
        (await late.call("GET", "/balance", token=early_token)).status,
        (await early.call("GET", "/balance", token=late_token)).status,
    )
    outcome.figure("tokens used on the other instance (ahead->behind, behind->ahead)", crossed)
    outcome.check(crossed == (401, 401), "a token was accepted two hours off its own clock")
    # (issued, expires) relative to the checking instance's clock, each token made just before
    # it is sent: made up front, a slow machine could age the 2-s cases past the leeway.
    cases = {
        "expired 2 s ago": ((-600, -2), 200),
        "expired 30 s ago": ((-600, -30), 401),
        "issued 2 s ahead": ((2, 600), 200),
        "issued 60 s ahead": ((60, 600), 401),
    }
    for label, ((issued, expires), expected) in cases.items():
        now = time.time() + SKEW  # the instance ahead's clock
        token = tokens.at(player.user_id, now + issued, now + expires)
        status = (await early.call("GET", "/balance", token=token)).status
        outcome.check(status == expected, f"a token {label}: {status}, expected {expected}")
    outcome.figure("leeway cases (seconds, as the checking instance sees it)", LEEWAY)
