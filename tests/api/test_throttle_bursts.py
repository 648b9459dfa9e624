"""Concurrent bursts against the login throttle (found by `python -m harness scenario abuse`).

The throttle once counted a failure only after the slow password check, so every request of a
concurrent burst passed the check first: 30 guesses at once were all verified against an
account that allows 3. An attempt now counts from the moment it is let through.
"""

import asyncio
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from litestar.exceptions import TooManyRequestsException

from api.http.limits import Limits, Policy, Slowdown, Throttles, Window
from tests.api.conftest import PASSWORD, Player

Clients = Callable[[str], httpx.AsyncClient]


@pytest.fixture
def limits() -> Limits:
    """Tight throttles, so a burst overruns them."""
    return Limits(
        login_per_account_address=Policy(limit=3, period=60.0),
        login_per_address=Policy(limit=5, period=60.0),
        login_slowdown=Slowdown(after=1000),
        signup_per_address=Policy(limit=100, period=60.0),
    )


async def test_a_concurrent_guessing_burst_checks_at_most_the_limit(
    player: Player, client_from: Clients
) -> None:
    wrong = {"username": player.username, "password": "wrong password"}
    async with client_from("10.1.0.1") as http:  # one address on one account
        answers = await asyncio.gather(*(http.post("/login", json=wrong) for _ in range(20)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses[401] <= 3, statuses
    assert statuses[429] >= 17, statuses


async def test_a_concurrent_spraying_burst_checks_at_most_the_address_limit(
    client_from: Clients,
) -> None:
    async with client_from("10.1.1.1") as http:
        bodies = [{"username": f"nobody{n}", "password": "wrong password"} for n in range(20)]
        answers = await asyncio.gather(*(http.post("/login", json=b) for b in bodies))
    statuses = Counter(a.status_code for a in answers)
    assert statuses[401] <= 5, statuses


async def test_good_logins_do_not_use_up_the_address(player: Player, client_from: Clients) -> None:
    right = {"username": player.username, "password": PASSWORD}
    async with client_from("10.1.2.1") as http:
        for _ in range(8):  # more than the address allows for failures
            assert (await http.post("/login", json=right)).status_code == 200


def test_a_window_can_give_back_its_latest_event() -> None:
    window = Window(Policy(limit=1, period=10.0), clock=lambda: 0.0)
    window.hit("k")
    assert window.retry_after("k") == 10.0
    window.release("k")
    assert window.retry_after("k") == 0.0
    window.release("absent")  # nothing to give back: no error


def test_an_attempt_without_a_verdict_does_not_count() -> None:
    throttles = Throttles(Limits(login_per_account_address=Policy(limit=1, period=60.0)))
    for _ in range(3):  # e.g. the database was away: 503, not a wrong password
        throttles.check_login("alice", "10.0.0.1")
        throttles.login_aborted("alice", "10.0.0.1")
    throttles.check_login("alice", "10.0.0.1")  # still allowed
    with pytest.raises(TooManyRequestsException):
        throttles.check_login("alice", "10.0.0.1")
