"""Failed logins throttle the guesser, never the owner (issue 20, item 4).

Five wrong passwords from one address once answered 429 to the owner's right password from
anywhere: anyone could lock any player out. Failures now refuse per (account, address) and per
address; per account they only slow the answers down, by a capped delay. The app's sleep is
replaced by one that records, so no test waits or times anything.
"""

import asyncio
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from api.http.limits import Limits, Policy, Slowdown, Throttles
from tests.api.conftest import PASSWORD, Player
from tests.api.test_limits import rate_limited

Clients = Callable[[str], httpx.AsyncClient]
SLOWDOWN = Slowdown(after=3, first=0.1, most=3.0, period=60.0)


@pytest.fixture
def limits() -> Limits:
    """The default refusals (5 per account and address, 8 per address here), a quick slowdown."""
    return Limits(
        login_per_account_address=Policy(limit=5, period=60.0),
        login_per_address=Policy(limit=8, period=60.0),
        login_slowdown=SLOWDOWN,
        signup_per_address=Policy(limit=1000, period=60.0),
    )


@pytest.fixture
def slept(app: Litestar) -> list[float]:
    """The delays the login route waited, recorded instead of slept."""
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    app.state.services.throttles.sleep = record
    return delays


def login(player: Player, password: str) -> dict[str, str]:
    return {"username": player.username, "password": password}


async def test_a_guesser_cannot_lock_the_owner_out_from_elsewhere(
    player: Player, client_from: Clients, slept: list[float]
) -> None:
    async with client_from("10.20.0.1") as guesser:
        for _ in range(5):
            assert (await guesser.post("/login", json=login(player, "wrong"))).status_code == 401
        rate_limited(await guesser.post("/login", json=login(player, "wrong")))
        # From the guesser's address the account stays closed, even to the right password.
        rate_limited(await guesser.post("/login", json=login(player, PASSWORD)))
    async with client_from("10.20.0.2") as owner:
        answer = await owner.post("/login", json=login(player, PASSWORD))
    assert answer.status_code == 200, answer.text
    # The guesser's 4th and 5th answers were slowed, and the owner's (within the cap).
    assert slept == [SLOWDOWN.delay(n) for n in (3, 4, 5)]


async def test_the_spray_limit_per_address_still_holds(client_from: Clients) -> None:
    async with client_from("10.20.1.1") as sprayer:
        for n in range(8):
            wrong = {"username": f"victim{n}", "password": "wrong"}
            assert (await sprayer.post("/login", json=wrong)).status_code == 401
        rate_limited(await sprayer.post("/login", json={"username": "victim9", "password": "x"}))


async def test_guesses_from_many_addresses_are_slowed_and_never_refused(
    player: Player, client_from: Clients, slept: list[float]
) -> None:
    for n in range(12):
        async with client_from(f"10.20.2.{n}") as guesser:
            assert (await guesser.post("/login", json=login(player, "wrong"))).status_code == 401
    async with client_from("10.20.3.1") as owner:
        assert (await owner.post("/login", json=login(player, PASSWORD))).status_code == 200
    assert (
        slept
        == [0.1, 0.2, 0.4, 0.8, 1.6, 3.0, 3.0, 3.0, 3.0, 3.0]
        == [SLOWDOWN.delay(n) for n in range(3, 13)]
    )


async def test_a_concurrent_burst_is_counted_before_any_password_is_checked(
    player: Player, client_from: Clients, slept: list[float]
) -> None:
    clients = [client_from(f"10.20.4.{n}") for n in range(10)]
    try:
        answers = await asyncio.gather(
            *(c.post("/login", json=login(player, "wrong")) for c in clients)
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    assert [a.status_code for a in answers] == [401] * 10
    # Each attempt saw every one let through before it, though none had been checked yet.
    assert sorted(slept) == [SLOWDOWN.delay(n) for n in range(3, 10)]


def test_the_delay_doubles_past_the_threshold_up_to_its_cap() -> None:
    slowdown = Slowdown(after=5, first=0.1, most=3.0)
    delays = [slowdown.delay(n) for n in (0, 4, 5, 6, 7, 8, 9, 10, 11)]
    assert delays == pytest.approx([0.0, 0.0, 0.1, 0.2, 0.4, 0.8, 1.6, 3.0, 3.0])
    assert slowdown.delay(10**9) == 3.0  # no overflow, however many
    assert slowdown.saturates == 10
    assert Slowdown(after=5, first=0.0).delay(50) == 0.0  # LOGIN_DELAY_FIRST_SECONDS=0: off


def test_the_counters_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.http.limits.MAX_KEYS", 50)
    throttles = Throttles(Limits(login_slowdown=SLOWDOWN), clock=lambda: 0.0)
    for n in range(1000):  # one account from many addresses
        throttles.check_login("alice", f"10.0.{n // 250}.{n % 250}")
    assert throttles.login_account.count("alice") == SLOWDOWN.saturates  # no more is kept
    assert len(throttles.login_pair) <= 50
    assert len(throttles.login_address) <= 50
    assert len(throttles.login_account) <= 50
