"""The write pipeline over the in-memory store: one path for a command alone or in a group."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import structlog
from prometheus_client import REGISTRY

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import EconomyRules, Purchase, Reverse, SignUp, TopUp
from domain.errors import IdempotencyKeyReused, StreamVersionConflict
from domain.ports import Write
from domain.state import player_state
from domain.transfer_errors import InsufficientFunds
from service.batch import BatchAborted, BatchItem, execute
from service.idempotency import fingerprint
from service.job import Sender
from service.ledger import LedgerService
from tests.fakes import FakeEventStore, fake_ledger

RULES = EconomyRules(genesis_supply=10_000, shard_count=4)
MODES = ["one statement each", "group commit"]


@pytest.fixture(params=MODES)
async def pair(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[LedgerService, FakeEventStore]]:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    if request.param == "group commit":
        ledger.start_group_commit()
    yield ledger, store
    await ledger.close()


async def funded(ledger: LedgerService, name: str, diamonds: int) -> str:
    player = await ledger.handle(SignUp(username=name), caller=Sender(password_hash="hash"))
    await ledger.handle(TopUp(player_id=player.player_id, amount=diamonds))
    return player.player_id


def commands_counted(command: str, outcome: str) -> float:
    labels = {"command": command, "outcome": outcome}
    return REGISTRY.get_sample_value("gameledger_commands_total", labels) or 0.0


def test_fingerprints_use_explicit_tags_that_match_keys_stored_under_the_old_class_names() -> None:
    # Digests computed by the previous fingerprint (sha256 over the class name and the fields):
    # keys stored before the tags existed must still replay, not turn into key-reused.
    assert fingerprint(TopUp(player_id="p1", amount=250)) == (
        "8daf1d51882409556a6fb42d3f12a19c24c96f963b43266d39352924743c1213"
    )
    assert fingerprint(Purchase(player_id="p1", item="gold_coin", quantity=3)) == (
        "d5e89e69ef24f587166fb6b0de4e5d6a89ace84a18dfa28a694d64251ee8212c"
    )
    assert fingerprint(SignUp(username="alice", referral_code="CODE")) == (
        "a4a3f4742b9ccb77193bb01be9fa96782f81612dd99c933d4b99b5afebcd6edc"
    )
    assert fingerprint(Reverse(player_id="p1", transfer_id="t1", reason="r", actor="op")) == (
        "63da0c65c289431fd14c4f2016ecb71bff26a6ddaaea4f67318cda0ce8388839"
    )


def test_a_renamed_command_class_keeps_its_fingerprint() -> None:
    class RenamedTopUp(TopUp, frozen=True, kw_only=True):
        pass

    assert fingerprint(RenamedTopUp(player_id="p1", amount=250)) == fingerprint(
        TopUp(player_id="p1", amount=250)
    )


async def test_concurrent_purchases_spend_a_wallet_exactly_once(
    pair: tuple[LedgerService, FakeEventStore],
) -> None:
    ledger, store = pair
    player = await funded(ledger, "alice", 100)
    buy = Purchase(player_id=player, item="gold_coin")
    outcomes = await asyncio.gather(
        *(ledger.handle(buy) for _ in range(16)), return_exceptions=True
    )
    sold = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(sold) == 10
    assert all(isinstance(o, InsufficientFunds) for o in outcomes if isinstance(o, BaseException))
    head = player_state(player, store.head(accounts.player_account(player)))
    assert head.balances == {CURRENCY: 0, "gold_coin": 10}


async def test_commands_are_counted_and_bound_to_the_log_line_in_both_modes(
    pair: tuple[LedgerService, FakeEventStore],
) -> None:
    ledger, _ = pair
    player = await funded(ledger, "bob", 10)
    ok, broke = (
        commands_counted("Purchase", "ok"),
        commands_counted("Purchase", "insufficient_funds"),
    )
    structlog.contextvars.clear_contextvars()
    result = await ledger.handle(Purchase(player_id=player, item="gold_coin"))
    bound = structlog.contextvars.get_contextvars()
    assert (bound["transfer_id"], bound["stream"]) == (result.transfer_id, player)
    with pytest.raises(InsufficientFunds):
        await ledger.handle(Purchase(player_id=player, item="gold_coin"))
    assert commands_counted("Purchase", "ok") == ok + 1
    assert commands_counted("Purchase", "insufficient_funds") == broke + 1
    structlog.contextvars.clear_contextvars()


async def test_group_commit_writes_concurrent_commands_in_one_statement() -> None:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    players = [await funded(ledger, f"player{n}", 100) for n in range(4)]
    group = ledger.start_group_commit(runners=1)
    try:
        sessions = store.sessions
        await asyncio.gather(
            *(ledger.handle(Purchase(player_id=p, item="gold_coin")) for p in players * 3)
        )
    finally:
        await ledger.close()
    assert group.commands == 12
    assert store.sessions - sessions == group.groups < 12


async def test_one_key_twice_in_a_batch_has_one_effect_and_another_body_is_refused() -> None:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    player = await funded(ledger, "carol", 100)
    buy = Purchase(player_id=player, item="gold_coin")
    items = [
        BatchItem(command=buy, key="k"),
        BatchItem(command=buy, key="k"),
        BatchItem(command=Purchase(player_id=player, item="treasure_box"), key="k"),
    ]
    first, again, other = await execute(ledger, items, atomic=False)
    assert first.result == again.result
    assert isinstance(other.error, IdempotencyKeyReused)
    assert player_state(player, store.head(accounts.player_account(player))).balances == {
        CURRENCY: 90,
        "gold_coin": 1,
    }
    [replayed] = await execute(ledger, items[:1], atomic=False)
    assert replayed.result == first.result


async def test_an_atomic_batch_with_one_refusal_writes_nothing() -> None:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    player = await funded(ledger, "dave", 10)
    before = len(store.log)
    items = [
        BatchItem(command=Purchase(player_id=player, item="gold_coin")),
        BatchItem(command=Purchase(player_id=player, item="gold_coin")),  # 10 diamonds only
    ]
    outcomes = await execute(ledger, items, atomic=True)
    assert isinstance(outcomes[0].error, BatchAborted)
    assert isinstance(outcomes[1].error, InsufficientFunds)
    assert len(store.log) == before


async def test_a_lost_race_is_re_decided_holding_a_lock_on_its_scope(
    pair: tuple[LedgerService, FakeEventStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, store = pair
    player = await funded(ledger, "erin", 100)
    real_write = store.write
    lost: list[bool] = []

    def lose_once(writes: object) -> None:
        if not lost:
            lost.append(True)
            raise StreamVersionConflict("a rival won", streams=[accounts.player_account(player)])
        real_write(writes)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "write", lose_once)
    retries = ledger.conflict_retries
    result = await ledger.handle(Purchase(player_id=player, item="gold_coin"))
    assert result.balances[CURRENCY] == 90
    assert ledger.conflict_retries == retries + 1
    assert store.locked[-1] == sorted([player, accounts.player_account(player)])


async def test_a_group_that_loses_on_one_stream_retries_only_the_commands_that_wrote_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    players = [await funded(ledger, f"group{n}", 100) for n in range(4)]
    real_write = store.write
    written: list[int] = []  # how many commands each successful statement carried

    def lose_once_on_the_last(writes: list[Write]) -> None:
        if not written and len(writes) == 4:
            written.append(0)
            raise StreamVersionConflict(
                "a rival won", streams=[accounts.player_account(players[3])]
            )
        real_write(writes)
        written.append(len(writes))

    monkeypatch.setattr(store, "write", lose_once_on_the_last)
    outcomes = await ledger.pipeline.write(
        [ledger.job(Purchase(player_id=p, item="gold_coin")) for p in players]
    )
    assert [o.result.balances[CURRENCY] for o in outcomes] == [90] * 4
    # The three that did not touch the lost stream go again together; the fourth alone, locked.
    assert written == [0, 3, 1]
    assert store.locked[-1] == sorted([players[3], accounts.player_account(players[3])])


async def test_an_atomic_group_that_loses_on_one_stream_is_retried_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    players = [await funded(ledger, f"atomic{n}", 100) for n in range(3)]
    real_write = store.write
    written: list[int] = []

    def lose_once(writes: list[Write]) -> None:
        if not written:
            written.append(0)
            raise StreamVersionConflict(
                "a rival won", streams=[accounts.player_account(players[0])]
            )
        real_write(writes)
        written.append(len(writes))

    monkeypatch.setattr(store, "write", lose_once)
    jobs = [ledger.job(Purchase(player_id=p, item="gold_coin")) for p in players]
    outcomes = await ledger.pipeline.write(jobs, atomic=True)
    assert all(o.error is None for o in outcomes)
    assert written == [0, 3]
