"""Batches of transfers in one statement, and group commit of concurrent single commands."""

import asyncio
import json

import pytest

from domain.commands import Purchase, SignUp, TopUp
from domain.errors import IdempotencyKeyReused
from domain.shop_errors import UnknownItem
from domain.transfer_errors import InsufficientFunds
from service.batch import BatchAborted, BatchItem, execute
from service.job import Sender
from service.ledger import LedgerService


async def _player(ledger: LedgerService, name: str, funds: int = 0) -> str:
    player = await ledger.handle(SignUp(username=name), caller=Sender(password_hash="hash"))
    if funds:
        await ledger.handle(TopUp(player_id=player.player_id, amount=funds))
    return player.player_id


async def _events(ledger: LedgerService) -> int:
    count: int = await ledger.pool.fetchval("SELECT count(*) FROM events")
    return count


async def test_independent_batch_applies_in_order_and_reports_each_failure(
    ledger: LedgerService,
) -> None:
    alice = await _player(ledger, "alice", 60)
    items = [
        BatchItem(command=Purchase(player_id=alice, item="treasure_box")),  # 60 -> 10
        BatchItem(command=Purchase(player_id=alice, item="treasure_box")),  # only 10 left
        BatchItem(command=Purchase(player_id=alice, item="gold_coin")),  # 10 -> 0
        BatchItem(command=TopUp(player_id=alice, amount=5)),
        BatchItem(command=Purchase(player_id=alice, item="sword")),
    ]
    outcomes = await execute(ledger, items, atomic=False)
    assert isinstance(outcomes[1].error, InsufficientFunds)
    assert isinstance(outcomes[4].error, UnknownItem)
    assert outcomes[3].result is not None
    assert outcomes[3].result.balances == {"diamond": 5, "treasure_box": 1, "gold_coin": 1}
    assert outcomes[3].result.version == 1 + 1 + 3


async def test_atomic_batch_writes_nothing_when_one_item_fails(ledger: LedgerService) -> None:
    alice = await _player(ledger, "alice", 50)
    before = await _events(ledger)
    outcomes = await execute(
        ledger,
        [
            BatchItem(command=Purchase(player_id=alice, item="gold_coin")),
            BatchItem(command=Purchase(player_id=alice, item="treasure_box")),  # 40 < 50
        ],
        atomic=True,
    )
    assert isinstance(outcomes[0].error, BatchAborted)
    assert isinstance(outcomes[1].error, InsufficientFunds)
    assert await _events(ledger) == before


async def test_batch_keys_replay_and_refuse_reuse(ledger: LedgerService) -> None:
    alice = await _player(ledger, "alice", 100)
    items = [
        BatchItem(command=Purchase(player_id=alice, item="gold_coin"), key="k1"),
        BatchItem(command=Purchase(player_id=alice, item="gold_coin"), key="k1"),
        BatchItem(command=Purchase(player_id=alice, item="treasure_box"), key="k1"),
    ]
    first = await execute(ledger, items, atomic=False)
    assert first[0].result == first[1].result
    assert isinstance(first[2].error, IdempotencyKeyReused)
    before = await _events(ledger)
    again = await execute(ledger, items[:1], atomic=False)
    assert again[0].result == first[0].result
    assert await _events(ledger) == before


async def test_group_commit_spends_a_wallet_exactly_once(ledger: LedgerService) -> None:
    alice = await _player(ledger, "alice", 100)  # affords exactly 10 gold coins
    ledger.start_group_commit()
    try:
        results = await asyncio.gather(
            *(ledger.handle(Purchase(player_id=alice, item="gold_coin")) for _ in range(64)),
            return_exceptions=True,
        )
    finally:
        await ledger.close()
    assert sum(not isinstance(r, BaseException) for r in results) == 10
    assert all(isinstance(r, InsufficientFunds) for r in results if isinstance(r, BaseException))


async def test_group_commit_coalesces_concurrent_commands(ledger: LedgerService) -> None:
    players = [await _player(ledger, f"player{n}", 1000) for n in range(10)]
    group = ledger.start_group_commit(runners=2)
    try:
        results = await asyncio.gather(
            *(
                ledger.handle(Purchase(player_id=players[n % 10], item="gold_coin"), key=f"k{n}")
                for n in range(200)
            )
        )
    finally:
        await ledger.close()
    assert len({r.transfer_id for r in results}) == 200
    assert group.groups < group.commands == 200
    balances = await ledger.pool.fetch(
        "SELECT DISTINCT ON (stream_id) payload->'state_after'->>'gold_coin' AS coins"
        " FROM events WHERE stream_id LIKE 'player:%' ORDER BY stream_id, version DESC"
    )
    assert sorted(int(r["coins"]) for r in balances) == [20] * 10


@pytest.mark.parametrize("atomic", [True, False])
async def test_batch_of_many_top_ups_spreads_over_shards(
    ledger: LedgerService, atomic: bool
) -> None:
    alice = await _player(ledger, "alice")
    outcomes = await execute(
        ledger,
        [BatchItem(command=TopUp(player_id=alice, amount=7)) for _ in range(300)],
        atomic=atomic,
    )
    assert all(o.result is not None for o in outcomes)
    assert outcomes[-1].result is not None
    assert outcomes[-1].result.balances == {"diamond": 2100}


async def test_batched_events_carry_their_own_transfer_id_and_key(ledger: LedgerService) -> None:
    # As when each command is written alone: the audit trail and the scenarios' "acknowledged
    # exactly once" check find a batched transfer by its key.
    a, b = await _player(ledger, "meta_a", 100), await _player(ledger, "meta_b")
    items = [
        BatchItem(command=TopUp(player_id=a, amount=5), key="top-a"),
        BatchItem(command=Purchase(player_id=a, item="gold_coin")),
        BatchItem(command=TopUp(player_id=b, amount=7), key="top-b"),
    ]
    outcomes = await execute(ledger, items, atomic=False)
    ids = [o.result.transfer_id for o in outcomes if o.result is not None]
    rows = await ledger.pool.fetch(
        "SELECT stream_id, metadata FROM events WHERE payload->>'transfer_id' = ANY($1::text[])",
        ids,
    )
    seen = {(r["stream_id"], json.loads(r["metadata"]).get("idempotency_key")) for r in rows}
    assert {(f"player:{a}", "top-a"), (f"player:{a}", None), (f"player:{b}", "top-b")} <= seen
    for row in rows:
        meta = json.loads(row["metadata"])
        assert meta["transfer_id"] in ids
        assert meta["batch"]
