"""The service as the scenarios run it: the real app, with cheap hashing and relaxed throttles.

The scenarios sign up hundreds of players from one loopback address. Production argon2
parameters would spend most of a quick run hashing, and the production signup throttle (20 per
address per hour) would refuse most of them; neither is what these scenarios test. The abuse
scenario runs `api.app:create_app` itself, with the production throttles and hashing.

GAMELEDGER_SCENARIO_CLOCK_SKEW (seconds) shifts the wall clock this process reads, without
root or libfaketime: the ledger's clock (events' `occurred_at`), token issuing (`iat`, `exp`)
and token checking (PyJWT). The monotonic clock of the throttles is left alone, as NTP would.
"""

import os
import time
from datetime import datetime, timedelta, tzinfo

import argon2
import jwt.api_jwt
from litestar import Litestar

from api.app import create_app
from api.limits import Limits, Policy
from service import pipeline as ledger

SKEW_ENV = "GAMELEDGER_SCENARIO_CLOCK_SKEW"
CHEAP_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
RELAXED = Limits(
    login_per_account=Policy(limit=100_000, period=60.0),
    login_per_address=Policy(limit=100_000, period=60.0),
    signup_per_address=Policy(limit=100_000, period=60.0),
)


def create_scenario_app() -> Litestar:
    """`create_app()` from the environment, with the hasher and throttles above."""
    skew = float(os.environ.get(SKEW_ENV) or 0)
    if skew:
        skew_clocks(skew)
    return create_app(hasher=CHEAP_HASHER, limits=RELAXED)


def skew_clocks(seconds: float) -> None:
    """Shift the wall clock as the service reads it by `seconds` (this process only)."""
    real_time = time.time
    shift = timedelta(seconds=seconds)

    class SkewedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + shift  # a plain datetime: msgspec encodes no subclass

    time.time = lambda: real_time() + seconds
    ledger.datetime = SkewedDatetime  # type: ignore[attr-defined, misc, unused-ignore]
    jwt.api_jwt.datetime = SkewedDatetime  # type: ignore[attr-defined, misc, unused-ignore]
