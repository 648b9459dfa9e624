"""The Python SDK (sdk/python) and examples/match_server.py against `gameledger serve`.

One server process on a fresh database serves the module; each test has players of its own.
"""

import asyncio
import contextlib
import importlib.util
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
from gameledger_client import (
    AsyncGameLedger,
    GameLedger,
    HoldNotPending,
    InsufficientFunds,
    RateLimited,
    Unauthorized,
    models,
)

from harness.server import ROOT, ServeCommand, service_env
from tests.conftest import scratch_database
from tests.sdk.proxy import DroppingProxy

PASSWORD = "correct-horse-9"
SERVICE, ADMIN = "arena", "ops-admin"


def load(path: Path) -> ModuleType:
    """A module from a file outside any package (the generator, the example)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


codegen = load(ROOT / "sdk" / "python" / "codegen.py")
match_server = load(ROOT / "examples" / "match_server.py")


async def make_account(env: dict[str, str], name: str, role: str) -> None:
    """`gameledger admin create NAME --role ROLE`, as a studio would."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "admin", "create", name, "--role", role,
        cwd=ROOT, env={**env, "GAMELEDGER_ADMIN_PASSWORD": PASSWORD},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


@pytest.fixture(scope="module")
async def server(server_dsn: str, template_db: str) -> AsyncIterator[ServeCommand]:
    """`gameledger serve` on a fresh database, with webhooks on (to loopback), a service and an
    admin account; one per module (each test has players of its own), killed at the end."""
    name = f"gl_sdk_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    async with scratch_database(server_dsn, name, template_db) as dsn:
        env = service_env(
            dsn, WORKERS="1", RUN_WEBHOOKS="true", WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8"
        )
        served = ServeCommand(env)
        try:
            await served.start()
            await asyncio.gather(
                make_account(env, SERVICE, "service"), make_account(env, ADMIN, "admin")
            )
            yield served
        finally:
            await served.kill()
            served.close()


@contextlib.asynccontextmanager
async def player(base: str, name: str, diamonds: int = 0) -> AsyncIterator[AsyncGameLedger]:
    """A signed-up, logged-in player's client, topped up with `diamonds`."""
    async with AsyncGameLedger(base) as ledger:
        await ledger.signup(models.SignupRequest(username=name, password=PASSWORD))
        await ledger.login(name, PASSWORD)
        if diamonds:
            await ledger.top_up(models.TopUpRequest(amount=diamonds))
        yield ledger


async def wallet_becomes(
    ledger: AsyncGameLedger, balance: int, held: dict[str, int] | None = None
) -> None:
    """Until the wallet shows `balance` (and `held`): another caller's writes (a game server's
    holds and payouts) reach a player's reads through the asynchronous projections."""
    async with asyncio.timeout(15):
        while True:
            wallet = await ledger.balance()
            if wallet.balance == balance and (held is None or wallet.held == held):
                return
            await asyncio.sleep(0.05)


def test_the_committed_types_are_those_of_the_live_openapi_document() -> None:
    generated = codegen.generated(codegen.app_document())
    for path, text in generated.items():
        assert path.read_text() == text, f"{path.name} is stale: run `make sdk`"


async def test_a_player_signs_up_logs_in_refreshes_tops_up_and_buys(server: ServeCommand) -> None:
    async with AsyncGameLedger(server.base) as ledger:
        signed = await ledger.signup(models.SignupRequest(username="ann", password=PASSWORD))
        first = await ledger.login("ann", PASSWORD)
        assert first.refresh_token
        assert ledger.tokens.access == first.token
        second = await ledger.refresh()
        assert second.refresh_token not in (None, first.refresh_token)
        topped = await ledger.top_up(models.TopUpRequest(amount=100))
        bought = await ledger.purchase(models.PurchaseRequest(item="treasure_box"))
        assert bought.balance == topped.balance - 50
        wallet = await ledger.balance()
        assert (wallet.username, wallet.balance) == ("ann", bought.balance)
        assert wallet.referral_code == signed.referral_code
        with pytest.raises(InsufficientFunds) as refused:
            await ledger.purchase(models.PurchaseRequest(item="treasure_box", quantity=50))
        problem = refused.value
        assert (problem.status, problem.type, problem.balance) == (422, "insufficient-funds", 50)
        assert problem.error
        assert "{" not in problem.error
        assert problem.extras["item"] == "treasure_box"
        # An access token the service refuses is renewed with the refresh token, once.
        ledger.tokens.access = "not-a-token"
        assert (await ledger.balance()).balance == bought.balance
        assert ledger.tokens.refresh not in (None, second.refresh_token)
        session = ledger.tokens.access
        await ledger.logout()
    async with AsyncGameLedger(server.base, token=session) as after_logout:
        with pytest.raises(Unauthorized):
            await after_logout.balance()
    # The used refresh token is dead (and presenting it ends that session).
    async with AsyncGameLedger(server.base, refresh_token=first.refresh_token) as thief:
        with pytest.raises(Unauthorized):
            await thief.refresh()


def blocking_player(base: str) -> tuple[int, InsufficientFunds]:
    """The same with the blocking client: the balance after a top-up and a purchase."""
    with GameLedger(base) as ledger:
        ledger.signup(models.SignupRequest(username="bob", password=PASSWORD))
        ledger.login("bob", PASSWORD)
        ledger.refresh()
        ledger.top_up(models.TopUpRequest(amount=60), idempotency_key="bob-topup-1")
        ledger.top_up(models.TopUpRequest(amount=60), idempotency_key="bob-topup-1")  # replayed
        ledger.purchase(models.PurchaseRequest(item="treasure_box"))
        try:
            ledger.purchase(models.PurchaseRequest(item="treasure_box"))
        except InsufficientFunds as problem:
            return ledger.balance().balance, problem
    raise AssertionError("the second purchase was not refused")


async def test_the_blocking_client_plays_the_same_session(server: ServeCommand) -> None:
    balance, problem = await asyncio.to_thread(blocking_player, server.base)
    assert balance == 10  # 60 once (the same key twice) - 50
    assert (problem.cost, problem.balance) == (50, 10)


async def test_a_write_whose_answer_is_lost_is_retried_with_its_key_and_charged_once(
    server: ServeCommand,
) -> None:
    proxy = DroppingProxy(server.port)
    listener = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    async with player(server.base, "dora", diamonds=200) as alice:
        async with AsyncGameLedger(base, token=alice.tokens.access) as through:
            before = await through.balance()
            proxy.armed = True
            bought = await through.purchase(models.PurchaseRequest(item="treasure_box"))
        assert proxy.dropped == 1
        after = await alice.balance()
        assert after.balance == before.balance - 50 == bought.balance  # charged once
        assert after.inventory["treasureBoxes"] == 1
        purchases = (await alice.history(code="purchase")).entries
        assert [entry.transfer_id for entry in purchases] == [bought.transfer_id]
    listener.close()
    await listener.wait_closed()


async def test_a_game_server_holds_settles_grants_and_batches(server: ServeCommand) -> None:
    async with (
        player(server.base, "alice", 300) as alice,
        player(server.base, "bert", 300) as bob,
        AsyncGameLedger(server.base) as arena,
    ):
        await arena.login(SERVICE, PASSWORD)
        stakes = []
        for name in ("alice", "bert"):
            body = models.HoldRequest(player=name, asset="diamond", amount=100, expires_in=600)
            stakes.append(await arena.place_hold(body, idempotency_key=f"m1:{name}"))
        await wallet_becomes(bob, 200, held={"diamond": 100})
        body = models.SettlementRequest(
            holds=[h.hold_id for h in stakes], payouts=[models.PayoutItem(to="alice", amount=180)]
        )
        settled = await arena.settle(body, idempotency_key="m1:settle")
        assert (settled.pot, settled.paid, settled.rake) == (200, 180, 20)
        again = await arena.settle(body, idempotency_key="m1:settle")
        assert again.settlement_id == settled.settlement_id  # replayed, not applied twice
        with pytest.raises(HoldNotPending) as closed:
            await arena.settle(body)
        assert closed.value.extras["holdStatus"] == "captured"
        assert (await arena.hold(stakes[0].hold_id)).status == "captured"
        grant = models.GrantRequest(player="bert", amount=5, reason="tournament consolation")
        assert (await arena.grant(grant)).balance == 205
        await wallet_becomes(alice, 380, held={})


async def test_a_batch_is_retried_with_the_keys_of_its_first_attempt(server: ServeCommand) -> None:
    async with AsyncGameLedger(server.base) as signup:
        carol = await signup.signup(models.SignupRequest(username="carol", password=PASSWORD))
    async with AsyncGameLedger(server.base) as arena:
        await arena.login(SERVICE, PASSWORD)
        transfers = [
            models.BatchTransfer(kind="top_up", player_id=carol.user_id, amount=70),
            models.BatchTransfer(kind="purchase", player_id=carol.user_id, item="treasure_box"),
        ]
        first = await arena.batch(models.BatchRequest(transfers=transfers, atomic=True))
        assert (first.applied, first.failed) == (2, 0)
        keyed = [
            models.BatchTransfer(
                kind="top_up", player_id=carol.user_id, amount=10, idempotency_key="carol-bonus"
            )
        ]
        await arena.batch(models.BatchRequest(transfers=keyed))
        replay = await arena.batch(models.BatchRequest(transfers=keyed))
        assert (replay.applied, replay.replayed) == (0, 1)
        assert replay.results[0].balance == 70 - 50 + 10


async def start_after(server: ServeCommand, seconds: float) -> None:
    """Start the (killed) service again on the same port `seconds` from now."""
    await asyncio.sleep(seconds)
    await server.start()


async def test_the_match_server_example_stakes_settles_through_a_restart_and_verifies_a_webhook(
    server: ServeCommand,
) -> None:
    async with player(server.base, "eve", 500), player(server.base, "finn", 500):
        pass
    receiver = match_server.WebhookReceiver()
    async with (
        match_server.listening(receiver),
        AsyncGameLedger(server.base) as ops,
        AsyncGameLedger(server.base, retry=match_server.THROUGH_RESTARTS) as arena,
    ):
        await ops.login(ADMIN, PASSWORD)
        hook = models.WebhookRequest(url=receiver.url, events=["transferred.settlement"])
        receiver.secret = (await ops.register_webhook(hook)).secret
        await arena.login(SERVICE, PASSWORD)
        match = match_server.Match("match-7", ("eve", "finn"), stake=100, winner="finn")
        holds = await match_server.stake(arena, match)
        # The ledger goes down mid-match; the game server replays the match with the same keys.
        await server.kill()
        restarting = asyncio.create_task(start_after(server, 0.5))
        settled = await match_server.play(arena, match)
        await restarting
        assert (settled.pot, settled.paid, settled.rake) == (200, 180, 20)
        assert [(await arena.hold(h)).status for h in holds] == ["captured", "captured"]
        async with asyncio.timeout(30):
            event = await receiver.wait_for("transferred.settlement")
        assert event.data["event"]["transferId"] == settled.transfer_id
        assert receiver.refused == 0
    async with AsyncGameLedger(server.base) as winner:
        await winner.login("finn", PASSWORD)
        await wallet_becomes(winner, 500 - 100 + 180, held={})


async def test_a_rate_limit_longer_than_the_policy_allows_is_raised_with_its_retry_after(
    server: ServeCommand,
) -> None:
    async with player(server.base, "gus"):
        pass
    async with AsyncGameLedger(server.base) as guesser:
        with pytest.raises(RateLimited) as limited:
            await guess_until_refused(guesser, "gus")
    assert limited.value.retry_after is not None
    assert limited.value.retry_after > guesser.retry.max_retry_after


async def guess_until_refused(ledger: AsyncGameLedger, username: str) -> None:
    """Wrong passwords until the service stops answering 401."""
    for _ in range(20):
        with contextlib.suppress(Unauthorized):
            await ledger.login(username, "wrong-password")
