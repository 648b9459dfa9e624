"""/health, /ready and /metrics answer before a client gives up while the database hangs.

A black hole (the scenarios' fault proxy, moving no byte until healed, as when packets are
dropped) sits between the app and PostgreSQL. asyncpg's statement timeout then waits as long
again for the cancellation to be acknowledged, so a probe awaited with `wait_for` answered
only after its own timeout plus the command timeout. With the command timeout set far above
the probe's, that is after the client here has given up.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest

from api.http.app import create_app
from api.ops.health import FRESH_SECONDS, PROBE_TIMEOUT, SharedProbe
from harness.proxy import FaultProxy
from harness.wire import through
from infra.config import Settings
from tests.api.conftest import FAST_HASHER, Player, running

COMMAND_TIMEOUT = 12.0  # a statement waits this long, and its cancellation as long again
CLIENT_TIMEOUT = 3 * PROBE_TIMEOUT  # the client gives up here, long before COMMAND_TIMEOUT
DOWN = {"status": "DOWN", "database": "DOWN"}


@pytest.fixture
async def proxy(db_dsn: str) -> AsyncIterator[FaultProxy]:
    """A fault proxy in front of the test's database."""
    proxy = FaultProxy(db_dsn)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


@pytest.fixture
async def client(
    request: pytest.FixtureRequest, db_dsn: str, api_settings: Settings, proxy: FaultProxy
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app that reaches its database through the proxy (the command timeout
    is COMMAND_TIMEOUT, or the test's `command_timeout` mark)."""
    mark = request.node.get_closest_marker("command_timeout")
    timeout = mark.args[0] if mark else COMMAND_TIMEOUT
    settings = msgspec.structs.replace(
        api_settings, db_command_timeout=timeout, run_projectors=False
    )
    application = create_app(settings, through(db_dsn, proxy.port), hasher=FAST_HASHER)
    async with running(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            try:
                yield http
            finally:
                proxy.set_mode("pass")  # let whatever still hangs finish before shutdown


async def answers_in_time(client: httpx.AsyncClient, path: str, count: int) -> list[int]:
    """`count` concurrent GETs; their statuses, failing if any is unanswered at CLIENT_TIMEOUT."""
    calls = [asyncio.create_task(client.get(path)) for _ in range(count)]
    # asyncio.wait, not wait_for: a client that gives up does not wait for the server.
    _, late = await asyncio.wait(calls, timeout=CLIENT_TIMEOUT)
    try:
        assert not late, f"{len(late)} of {count} GET {path} unanswered after {CLIENT_TIMEOUT}s"
        return [call.result().status_code for call in calls]
    finally:
        await asyncio.wait(calls)  # the stragglers end once the test heals the proxy


async def black_hole(proxy: FaultProxy) -> None:
    """Stop every byte, and let the last answer given before it age out."""
    proxy.set_mode("blackhole")
    await asyncio.sleep(FRESH_SECONDS)


async def until_up(client: httpx.AsyncClient, path: str) -> None:
    """Poll `path` until it answers 200 (a generous patience: the pool reconnects)."""
    for _ in range(300):
        if (await client.get(path)).status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} never came back up")


async def test_health_says_down_before_the_client_gives_up(
    client: httpx.AsyncClient, proxy: FaultProxy
) -> None:
    assert (await client.get("/health")).status_code == 200
    await black_hole(proxy)
    assert await answers_in_time(client, "/health", 5) == [503] * 5
    down = await client.get("/health")  # the hung probe answers DOWN at once, not again later
    assert (down.status_code, down.json()) == (503, DOWN)
    proxy.set_mode("pass")
    await until_up(client, "/health")


async def test_ready_and_metrics_answer_before_the_client_gives_up(
    client: httpx.AsyncClient, proxy: FaultProxy
) -> None:
    await until_up(client, "/ready")
    await black_hole(proxy)
    assert await answers_in_time(client, "/ready", 3) == [503] * 3
    assert await answers_in_time(client, "/metrics", 3) == [200] * 3
    proxy.set_mode("pass")
    await until_up(client, "/ready")


async def test_concurrent_callers_share_one_check() -> None:
    calls = 0

    async def check() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return calls

    probe = SharedProbe(check, deadline=30.0, fresh=30.0)
    assert await asyncio.gather(*(probe.result() for _ in range(20))) == [1] * 20
    assert await probe.result() == 1  # still fresh: no second check
    assert calls == 1


async def test_a_hung_check_is_down_and_is_not_repeated() -> None:
    release = asyncio.Event()
    calls = 0

    async def check() -> bool:
        nonlocal calls
        calls += 1
        await release.wait()
        return True

    probe = SharedProbe(check, deadline=0.5, fresh=0.0)
    assert await asyncio.gather(probe.result(), probe.result()) == [None, None]
    assert await probe.result() is None  # past its deadline: None at once, no new check
    assert calls == 1
    release.set()
    await asyncio.sleep(0.05)  # the hung check ends
    assert await probe.result() is True  # the next check, once the hung one has ended
    assert calls == 2


async def test_a_failed_check_is_down() -> None:
    async def check() -> bool:
        raise ConnectionRefusedError

    assert await SharedProbe(check, deadline=1.0, fresh=0.0).result() is None


SHORT_TIMEOUT = 4.0


@pytest.mark.command_timeout(SHORT_TIMEOUT)
async def test_a_purchase_on_a_hung_database_fails_at_the_command_timeout_not_twice_it(
    client: httpx.AsyncClient, proxy: FaultProxy, rich_player: Player
) -> None:
    # A timed-out connection used to be handed back to the pool only once PostgreSQL had
    # acknowledged the cancellation: through a black hole, one more command timeout.
    await black_hole(proxy)
    buy = asyncio.create_task(
        client.post("/purchase", json={"item": "gold_coin"}, headers=rich_player.auth)
    )
    read = asyncio.create_task(client.get("/balance", headers=rich_player.auth))
    _, late = await asyncio.wait({buy, read}, timeout=SHORT_TIMEOUT * 1.6)
    proxy.set_mode("pass")
    await asyncio.wait({buy, read})
    assert not late, "a request waited past the command timeout for the cancellation"
    assert [buy.result().status_code, read.result().status_code] == [503, 503]
    assert buy.result().json()["type"].endswith("database-unavailable")
    await until_up(client, "/health")
    balance = await client.get("/balance", headers=rich_player.auth)
    assert balance.json()["balance"] in (1000, 990)  # the purchase is in or out, never twice
