"""Behind a load balancer: the throttles key on X-Forwarded-For, but only from TRUSTED_PROXIES."""

from collections.abc import Callable

import httpx
import msgspec
import pytest

from api.http.limits import Limits, Policy, Slowdown
from infra.config import Settings
from tests.api.conftest import PASSWORD
from tests.api.test_limits import rate_limited

Clients = Callable[[str], httpx.AsyncClient]
BALANCER = "10.9.0.5"


@pytest.fixture
def limits() -> Limits:
    """Three failed logins per address, and per account loose enough never to interfere."""
    return Limits(
        login_per_account_address=Policy(limit=1000, period=60.0),
        login_slowdown=Slowdown(after=1000),
        login_per_address=Policy(limit=3, period=60.0),
        signup_per_address=Policy(limit=2, period=60.0),
    )


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """The balancers live in 10.9.0.0/16."""
    return msgspec.structs.replace(api_settings, trusted_proxies=("10.9.0.0/16",))


async def fail_login(http: httpx.AsyncClient, forwarded_for: str) -> httpx.Response:
    wrong = {"username": "nobody", "password": "wrong password"}
    return await http.post("/login", json=wrong, headers={"X-Forwarded-For": forwarded_for})


async def test_behind_a_trusted_balancer_each_forwarded_client_has_its_own_count(
    client_from: Clients,
) -> None:
    async with client_from(BALANCER) as http:
        for _ in range(3):
            assert (await fail_login(http, "198.51.100.1")).status_code == 401
        rate_limited(await fail_login(http, "198.51.100.1"))
        # The same balancer, another client: not throttled by its neighbour.
        assert (await fail_login(http, "198.51.100.2")).status_code == 401


async def test_an_untrusted_peer_cannot_escape_the_throttle_by_forging_the_header(
    client_from: Clients,
) -> None:
    async with client_from("203.0.113.9") as http:
        for n in range(3):
            assert (await fail_login(http, f"198.51.100.{n}")).status_code == 401
        rate_limited(await fail_login(http, "198.51.100.99"))


async def test_a_client_cannot_escape_through_the_balancer_by_forging_the_left_part(
    client_from: Clients,
) -> None:
    async with client_from(BALANCER) as http:
        # The client wrote the left entry; the balancer appended the address it really saw.
        for n in range(3):
            forged = f"192.0.2.{n}, 198.51.100.7"
            assert (await fail_login(http, forged)).status_code == 401
        rate_limited(await fail_login(http, "192.0.2.99, 198.51.100.7"))


async def test_signups_through_the_balancer_are_counted_per_forwarded_client(
    client_from: Clients,
) -> None:
    async with client_from(BALANCER) as http:

        async def sign_up(name: str, client: str) -> httpx.Response:
            body = {"username": name, "password": PASSWORD}
            return await http.post("/signup", json=body, headers={"X-Forwarded-For": client})

        assert (await sign_up("proxied_a1", "198.51.100.1")).status_code == 201
        assert (await sign_up("proxied_a2", "198.51.100.1")).status_code == 201
        rate_limited(await sign_up("proxied_a3", "198.51.100.1"))
        assert (await sign_up("proxied_b1", "198.51.100.2")).status_code == 201
