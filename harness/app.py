"""The service as the scenarios run it: the real app, with cheap hashing and relaxed throttles.

The scenarios sign up hundreds of players from one loopback address. Production argon2
parameters would spend most of a quick run hashing, and the production signup throttle (20 per
address per hour) would refuse most of them; neither is what these scenarios test. The abuse
scenario runs `api.http.app:create_app` itself, with the production throttles and hashing.

GAMELEDGER_SCENARIO_CLOCK_SKEW (seconds) shifts the wall clock the service reads, without root or
libfaketime, through `create_app(clock=...)`: the ledger's clock (events' `occurred_at`) and the
tokens' (`iat` and `exp`, issued and checked). The monotonic clock of the throttles is left
alone, as NTP would.

GAMELEDGER_SCENARIO_CLOCK_FILE names a file holding such an offset ("+90000s", libfaketime's
relative form), re-read at every clock read: the time-travel scenario moves a running service's
clock with it when libfaketime is missing (harness/time_travel.py).
"""

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import argon2
from litestar import Litestar

from api.http.app import create_app
from api.http.limits import Limits, Policy, Slowdown
from service.pipeline import utc_now

SKEW_ENV = "GAMELEDGER_SCENARIO_CLOCK_SKEW"
CLOCK_FILE_ENV = "GAMELEDGER_SCENARIO_CLOCK_FILE"
CHEAP_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
RELAXED = Limits(
    login_per_account_address=Policy(limit=100_000, period=60.0),
    login_per_address=Policy(limit=100_000, period=60.0),
    login_slowdown=Slowdown(after=100_000),
    signup_per_address=Policy(limit=100_000, period=60.0),
)


def create_scenario_app() -> Litestar:
    """`create_app()` from the environment, with the hasher and throttles above."""
    skew = float(os.environ.get(SKEW_ENV) or 0)
    clock = skewed_clock(skew)
    if path := os.environ.get(CLOCK_FILE_ENV):
        clock = filed_clock(Path(path))
    return create_app(hasher=CHEAP_HASHER, limits=RELAXED, clock=clock)


def skewed_clock(seconds: float) -> Callable[[], datetime]:
    """The wall clock, `seconds` off."""
    shift = timedelta(seconds=seconds)
    return lambda: utc_now() + shift


def filed_clock(path: Path) -> Callable[[], datetime]:
    """The wall clock, off by the seconds the file at `path` says now ("+90000s")."""
    return lambda: utc_now() + timedelta(seconds=float(path.read_text().strip().rstrip("s")))
