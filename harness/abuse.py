"""Abuse: failed-login and signup bursts are throttled; /health stays fast during a login burst.

The service runs with its production throttles and argon2 parameters (`api.http.app:create_app`).
Accounts are made directly in the database, so the signup throttle is untouched until its own
burst. Bursts are concurrent, as an attacker sends them: a throttle that counts an attempt
only after verifying the password would let a whole burst through.
"""

import asyncio
import time
from collections import Counter

import argon2

from domain.commands import SignUp
from harness.checks import audit
from harness.client import PASSWORD, Api, Reply
from harness.database import fresh_database
from harness.outcome import Outcome, ms, percentile
from harness.server import PRODUCTION_APP, service_env, serving
from infra.config import Settings
from infra.db import create_pool
from service.bootstrap import bootstrap
from service.job import Sender

ACCOUNTS = 60
LOGIN_BURST = 50
PER_ACCOUNT, PER_ADDRESS, SIGNUPS = 5, 50, 20  # api.http.limits.Limits defaults


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("abuse", quick)
    async with fresh_database(server_dsn, "abuse") as dsn:
        names = await _accounts(dsn)
        # Production argon2 queues a burst: on a loaded machine answers take long, not forever.
        server_ctx = serving(service_env(dsn), PRODUCTION_APP)
        async with server_ctx as server, Api(server.base, timeout=120.0) as api:
            burst = 16 if quick else LOGIN_BURST
            await _login_burst(outcome, api, names[:burst], quick)
            await _guessing(outcome, api, names[LOGIN_BURST])
            await _spraying(outcome, api, names[LOGIN_BURST + 1 :])
            await _signup_burst(outcome, api)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _accounts(dsn: str) -> list[str]:
    settings = Settings(environment="test", group_commit=False)
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        ledger = bootstrap(settings, pool)
        await ledger.seed_genesis()
        hashed = await asyncio.to_thread(argon2.PasswordHasher().hash, PASSWORD)
        names = [f"abuse_{n}" for n in range(ACCOUNTS)]
        for name in names:
            await ledger.handle(SignUp(username=name), caller=Sender(password_hash=hashed))
        return names
    finally:
        await pool.close()


async def _login_burst(outcome: Outcome, api: Api, names: list[str], quick: bool) -> None:
    """50 concurrent good logins while /health is polled back to back."""
    idle = [(await api.call("GET", "/health")).seconds for _ in range(50)]
    done = asyncio.Event()
    during: list[float] = []

    async def poll() -> None:
        while not done.is_set():
            during.append((await api.call("GET", "/health")).seconds)

    poller = asyncio.create_task(poll())
    began = time.monotonic()
    logins = await asyncio.gather(*(_login(api, name, PASSWORD) for name in names))
    burst = time.monotonic() - began
    done.set()
    await poller
    p99 = percentile(during, 99)
    outcome.figure("login burst", f"{len(names)} logins in {burst:.2f} s")
    outcome.figure("login answers", dict(Counter(r.status for r in logins)))
    outcome.figure("health p99 ms idle", ms(percentile(idle, 99)))
    outcome.figure("health during the burst (n, p50, p99, max ms)", (
        len(during), ms(percentile(during, 50)), ms(p99), ms(max(during, default=0))
    ))  # fmt: skip
    outcome.check(all(r.status == 200 for r in logins), "good logins were refused")
    limit = 1.0 if quick else 0.050  # CI machines are loaded: only a generous bound there
    outcome.check(p99 < limit, f"/health p99 {ms(p99)} ms during the burst, limit {ms(limit)}")


async def _guessing(outcome: Outcome, api: Api, victim: str) -> None:
    """A concurrent burst of wrong passwords on one account, then its owner's right one."""
    burst = await asyncio.gather(*(_login(api, victim, f"guess-{n}") for n in range(30)))
    statuses = Counter(r.status for r in burst)
    owner = await _login(api, victim, PASSWORD)
    outcome.figure("guessing burst on one account (30 concurrent)", dict(statuses))
    outcome.figure("owner right after the burst", owner.status)
    _throttled(outcome, "guessing", burst)
    outcome.check(
        statuses[401] <= PER_ACCOUNT,
        f"{statuses[401]} guesses were checked, the account allows {PER_ACCOUNT}",
    )


async def _spraying(outcome: Outcome, api: Api, names: list[str]) -> None:
    """Wrong passwords over many accounts from one address, concurrently."""
    attempts = [_login(api, names[n % len(names)], f"spray-{n}") for n in range(80)]
    burst = await asyncio.gather(*attempts)
    statuses = Counter(r.status for r in burst)
    outcome.figure("spraying burst from one address (80 concurrent)", dict(statuses))
    _throttled(outcome, "spraying", burst)
    outcome.check(
        statuses[401] <= PER_ADDRESS,
        f"{statuses[401]} sprayed guesses were checked, the address allows {PER_ADDRESS}",
    )


async def _signup_burst(outcome: Outcome, api: Api) -> None:
    """More signups from one address than the hour allows, concurrently."""
    bodies = [{"username": f"burst_{n}", "password": PASSWORD} for n in range(SIGNUPS + 10)]
    burst = await asyncio.gather(*(api.call("POST", "/signup", json=b) for b in bodies))
    statuses = Counter(r.status for r in burst)
    outcome.figure(f"signup burst ({len(bodies)} concurrent)", dict(statuses))
    _throttled(outcome, "signups", burst)
    outcome.check(statuses[201] <= SIGNUPS, f"{statuses[201]} signups, the hour allows {SIGNUPS}")


def _throttled(outcome: Outcome, what: str, replies: list[Reply]) -> None:
    limited = [r for r in replies if r.status == 429]
    outcome.check(bool(limited), f"{what}: no 429 at all")
    bad = [
        r
        for r in limited
        if r.problem_type != "rate-limited" or int(r.headers.get("retry-after", "0")) < 1
    ]
    outcome.check(not bad, f"{what}: {len(bad)} 429s without Retry-After or problem details")
    errors = [r.error or r.status for r in replies if r.status >= 500 or r.status == 0]
    outcome.check(not errors, f"{what}: server errors {errors}")


async def _login(api: Api, name: str, password: str) -> Reply:
    return await api.call("POST", "/login", json={"username": name, "password": password})
