"""The monitors projector (issue 24): each kind fires past its threshold and not below it,
names the player for player_inflow, freezes with `action: freeze`, and never fires twice,
however often its batches are re-run or the projector restarted."""

import json
from collections.abc import AsyncIterator
from itertools import count
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY

from domain.commands import DefineMonitor, EconomyRules, Purchase, SignUp, TopUp
from domain.errors import DomainError
from domain.freeze_events import FreezePlaced
from domain.freezes import FreezeIndex
from domain.monitor_events import MonitorFired
from infra import eventstore, eventstore_reads, freeze_store
from infra.config import Settings
from projections import monitor_states
from projections.runner import catch_up
from service import webhooks as webhook_admin
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.feed_support import feeding
from tests.integration.webhook_receiver import receiving
from tests.ledgers import ledger_over

ADMIN = Sender("operator-1", "admin")
_names = count()


@pytest.fixture
async def ledger(pool: asyncpg.Pool) -> AsyncIterator[LedgerService]:
    """A ledger with genesis seeded."""
    made = ledger_over(pool, EconomyRules(shard_count=2))
    assert await made.seed_genesis()
    yield made
    await made.close()


async def player(ledger: LedgerService) -> tuple[str, str]:
    """A new player's id and username."""
    name = f"watched{next(_names)}"
    made = await ledger.handle(SignUp(username=name), caller=Sender(password_hash="h"))
    return made.player_id, name


async def monitor(ledger: LedgerService, kind: str, threshold: int, **rule: Any) -> str:
    """A new monitor's id (its name: `{kind}-{id}`)."""
    result = await ledger.handle(
        DefineMonitor(
            name=f"{kind}-{rule.pop('name', next(_names))}",
            kind=kind,  # type: ignore[arg-type]
            window_seconds=rule.pop("window_seconds", 60),
            threshold=threshold,
            action=rule.pop("action", "alert"),
            **rule,
        ),
        caller=ADMIN,
    )
    monitor_id: str = result.monitor_id
    return monitor_id


async def project(pool: asyncpg.Pool) -> dict[str, monitor_states.State]:
    """Run the monitors projector over everything committed; each monitor's state."""
    await catch_up(pool, ["monitors"])
    async with pool.acquire() as conn:
        return await monitor_states.states(conn)


async def firings(pool: asyncpg.Pool, monitor_id: str) -> list[MonitorFired]:
    """The monitor's fired events, from its stream."""
    async with pool.acquire() as conn:
        stored = await eventstore.read_stream(conn, f"monitor:{monitor_id}")
    return [s.event for s in stored if isinstance(s.event, MonitorFired)]


async def test_player_inflow_fires_naming_the_player_and_freezes_them_once(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    greedy, greedy_name = await player(ledger)
    calm, _ = await player(ledger)
    name = f"player_inflow-{greedy}"
    watch = await monitor(
        ledger, "player_inflow", 100, asset="diamond", action="freeze", name=greedy
    )
    for _ in range(3):
        await ledger.handle(TopUp(player_id=greedy, amount=40))
    await ledger.handle(TopUp(player_id=calm, amount=40))

    state = (await project(pool))[watch]
    assert (state.state, state.firing, state.last_value) == ("firing", [greedy_name], 120)
    [fired] = await firings(pool, watch)
    assert (fired.player_id, fired.username, fired.value) == (greedy, greedy_name, 120)
    assert REGISTRY.get_sample_value("gameledger_monitor_fired_total", {"monitor": name}) == 1.0
    async with pool.acquire() as conn:
        active = await freeze_store.read_active(conn)
    [frozen] = active
    assert (frozen.scope, frozen.target, frozen.player_id) == ("player", greedy_name, greedy)
    assert frozen.freeze_id == fired.freeze_id
    assert frozen.created_by == f"monitor:{watch}"

    ledger.use_freezes(FreezeIndex(active))
    with pytest.raises(DomainError) as refused:
        await ledger.handle(Purchase(player_id=greedy, item="gold_coin"))
    assert refused.value.slug == "frozen"

    # More inflow while firing, and the projector run again from its checkpoint (a restart):
    # the monitor stays firing and fires no second time.
    await ledger.handle(TopUp(player_id=calm, amount=10))
    state = (await project(pool))[watch]
    assert state.state == "firing"
    assert state.fired == 1
    assert len(await firings(pool, watch)) == 1
    async with pool.acquire() as conn:
        placed = [
            s
            for s in await eventstore_reads.freeze_events(conn)
            if isinstance(s.event, FreezePlaced)
        ]
    assert len(placed) == 1


async def test_player_inflow_below_its_threshold_stays_ok(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    someone, _ = await player(ledger)
    watch = await monitor(ledger, "player_inflow", 100, asset="diamond", action="freeze")
    await ledger.handle(TopUp(player_id=someone, amount=100))
    state = (await project(pool))[watch]
    assert (state.state, state.last_value, state.fired_at) == ("ok", 100, None)
    assert await firings(pool, watch) == []


@pytest.mark.parametrize(("threshold", "fires"), [(150, True), (250, False)])
async def test_supply_growth(
    pool: asyncpg.Pool, ledger: LedgerService, threshold: int, fires: bool
) -> None:
    a, _ = await player(ledger)
    watch = await monitor(ledger, "supply_growth", threshold, asset="diamond")
    await ledger.handle(TopUp(player_id=a, amount=100))
    await ledger.handle(TopUp(player_id=a, amount=100))
    await ledger.handle(Purchase(player_id=a, item="gold_coin"))  # 10 back to the treasury
    state = (await project(pool))[watch]
    assert state.last_value == 190
    assert state.state == ("firing" if fires else "ok")
    assert len(await firings(pool, watch)) == int(fires)
    async with pool.acquire() as conn:
        assert await freeze_store.read_active(conn) == []  # action alert: no freeze


@pytest.mark.parametrize(
    ("code", "threshold", "fires"),
    [("top_up", 2, True), ("top_up", 3, False), ("purchase", 0, False)],
)
async def test_transfers_rate(
    pool: asyncpg.Pool, ledger: LedgerService, code: str, threshold: int, fires: bool
) -> None:
    a, _ = await player(ledger)
    watch = await monitor(ledger, "transfers_rate", threshold, code=code)
    for _ in range(3):
        await ledger.handle(TopUp(player_id=a, amount=10))
    state = (await project(pool))[watch]
    assert state.state == ("firing" if fires else "ok")
    assert len(await firings(pool, watch)) == int(fires)


@pytest.mark.parametrize(("above_genesis", "fires"), [(True, True), (False, False)])
async def test_treasury_low(
    pool: asyncpg.Pool, ledger: LedgerService, above_genesis: bool, fires: bool
) -> None:
    a, _ = await player(ledger)
    genesis = ledger.rules.genesis_supply
    watch = await monitor(
        ledger, "treasury_low", genesis if above_genesis else 1, asset="diamond", action="freeze"
    )
    await ledger.handle(TopUp(player_id=a, amount=10))
    state = (await project(pool))[watch]
    assert state.last_value == genesis - 10
    assert state.state == ("firing" if fires else "ok")
    assert len(await firings(pool, watch)) == int(fires)
    async with pool.acquire() as conn:
        active = await freeze_store.read_active(conn)
    assert [(f.scope, f.target) for f in active] == ([("asset", "diamond")] if fires else [])


async def test_a_firing_reaches_the_webhooks_as_monitor_fired(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    settings = Settings(
        run_webhooks=True,
        webhook_allow_networks=("127.0.0.0/8",),
        webhook_backoff_seconds=0.05,
        webhook_timeout_seconds=5.0,
    )
    a, _ = await player(ledger)
    async with receiving([200]) as receiver:
        await webhook_admin.register(pool, settings, receiver.url, ["monitor.fired"], "ops")
        watch = await monitor(ledger, "transfers_rate", 0, code="top_up")
        await ledger.handle(TopUp(player_id=a, amount=10))
        await project(pool)
        async with feeding(pool, settings):
            await receiver.wait_for(1)
    [request] = receiver.requests
    payload = json.loads(request.body)
    assert payload["type"] == "monitor.fired"
    assert payload["data"]["streamId"] == f"monitor:{watch}"
    assert payload["data"]["event"]["value"] == 1


async def test_a_rate_monitor_without_an_asset_freezes_its_codes_operation(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    a, _ = await player(ledger)
    watch = await monitor(ledger, "transfers_rate", 1, code="top_up", action="freeze")
    for _ in range(2):
        await ledger.handle(TopUp(player_id=a, amount=10))
    assert (await project(pool))[watch].state == "firing"
    async with pool.acquire() as conn:
        active = await freeze_store.read_active(conn)
    assert [(f.scope, f.target) for f in active] == [("operation", "top_up")]
    ledger.use_freezes(FreezeIndex(active))
    with pytest.raises(DomainError) as refused:
        await ledger.handle(TopUp(player_id=a, amount=10))
    assert refused.value.slug == "frozen"
    await ledger.handle(Purchase(player_id=a, item="gold_coin"))  # other operations go on
