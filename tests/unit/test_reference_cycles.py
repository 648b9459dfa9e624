"""The hot commands leave no reference cycles behind.

What a purchase or a top-up makes is freed by reference counting as soon as it is answered. A
cycle (a job whose decision closes over the job itself, say) leaves every object of it to the
collector instead: under load that was about thirty objects per purchase, a young collection
every few milliseconds and a full one pausing the worker 10-30 ms (issue 22, docs/performance.md
session 11).
"""

import gc
from collections import Counter
from datetime import UTC, datetime

import pytest

from domain.commands import EconomyRules, Purchase, SignUp, TopUp
from domain.details import PurchaseDetails
from domain.events import SCHEMA_VERSION, Leg, Transferred
from domain.ports import StoredEvent
from infra import codec
from service.job import Sender
from service.ledger import LedgerService
from service.results import TransferResult
from tests.fakes import fake_ledger

RULES = EconomyRules(genesis_supply=10_000_000, shard_count=4)


async def _commands(ledger: LedgerService, player_id: str, phase: str, times: int) -> None:
    """`times` top-ups and purchases, each with a key of its own (none is a replay)."""
    for n in range(times):
        await ledger.handle(TopUp(player_id=player_id, amount=100), key=f"{phase}-top-up-{n}")
        await ledger.handle(Purchase(player_id=player_id, item="gold_coin"), key=f"{phase}-{n}")


def _cyclic_garbage(found: list[object]) -> Counter[str]:
    """The collected objects by type (and a function's or a cell's contents by name)."""
    return Counter(f"{type(o).__qualname__} {_name(o)}".strip() for o in found)


def _name(thing: object) -> str:
    if isinstance(thing, type(_name.__code__)):
        return thing.co_qualname
    return str(getattr(thing, "__qualname__", ""))


@pytest.mark.parametrize("group_commit", [False, True], ids=["one statement each", "group"])
async def test_purchases_and_top_ups_leave_no_cyclic_garbage(group_commit: bool) -> None:
    ledger, _ = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    if group_commit:
        ledger.start_group_commit()
    try:
        player = await ledger.handle(SignUp(username="cycles"), caller=Sender(password_hash="h"))
        await _commands(ledger, player.player_id, "warm", 3)  # caches and pools filled once
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            await _commands(ledger, player.player_id, "measured", 20)
            gc.collect()
            found = _cyclic_garbage(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
        assert found == Counter(), f"objects left to the collector: {found.most_common(8)}"
    finally:
        await ledger.close()


def test_the_hot_paths_values_are_not_walked_by_the_collector() -> None:
    # An event as the projectors decode it, a command as a request carries it and the answer:
    # containers of plain values, which the collector would otherwise walk on every pass.
    legs = (Leg("player:p1", "diamond", -10), Leg("system:inflow", "diamond", 10))
    event = Transferred(
        transfer_id="t1",
        code="purchase",
        legs=legs,
        state_after={"diamond": 90},
        occurred_at=datetime(2026, 12, 6, tzinfo=UTC),
        details=PurchaseDetails(item="gold_coin", quantity=1),
    )
    decoded = codec.decode("transferred", SCHEMA_VERSION, codec.encode(event))
    assert decoded == event
    command = Purchase(player_id="p1", item="gold_coin", metadata={"match": "m1"})
    answer = TransferResult(transfer_id="t1", player_id="p1", version=2, balances={"x": 1})
    stored = StoredEvent(
        stream_id="player:p1",
        version=2,
        global_position=7,
        event=decoded,
        recorded_at=datetime(2026, 12, 6, tzinfo=UTC),
    )
    values = [decoded, command, answer, stored]
    assert [gc.is_tracked(value) for value in values] == [False] * len(values)
