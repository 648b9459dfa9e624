"""How a batch reaches a read-model table (projections/model.py `Table`).

The history is written by COPY, without a conflict clause: its projection folds each event
exactly once, in the transaction that moves its checkpoint. These tests read back what COPY
wrote, column by column, and show that a key already there fails the whole batch instead of
being skipped in silence. The upserted tables take their rows as tuples, dicts or objects alike.
"""

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
import pytest

from projections.history import TABLE as HISTORY
from projections.history import HistoryRow
from projections.model import Table
from projections.views import EnergyEntry, Leg

AT = datetime(2026, 12, 6, 12, 30, 15, 123456, tzinfo=UTC)
LIVE = {"rm_history": "rm_history"}


def _row(version: int, **details: Any) -> HistoryRow:
    return HistoryRow(
        player_id="p-1",
        version=version,
        transfer_id=f"t-{version}",
        code="purchase",
        legs=[Leg("player:p-1", "diamond", -10), Leg("player:p-1", "gold_coin", 1)],
        balance_after=90,
        state_after={"diamond": 90, "gold_coin": 1},
        occurred_at=AT,
        **details,
    )


async def test_history_rows_come_back_as_written(pool: asyncpg.Pool) -> None:
    energy = EnergyEntry(energy="stamina", amount=-5, refilled=3)
    rows = [
        _row(2, item="gold_coin", quantity=1, metadata={"match": "m-1", "note": 'a "quoted" é'}),
        _row(3, memo=None, energy=energy),
    ]
    async with pool.acquire() as conn, conn.transaction():
        await HISTORY.write(conn, rows, LIVE)
    stored = await pool.fetch(
        "SELECT version, transfer_id, legs::text, state_after::text, item, quantity, memo,"
        " occurred_at, metadata::text, energy::text, energy IS NULL AS no_energy"
        " FROM rm_history WHERE player_id = 'p-1' ORDER BY version"
    )
    assert [r["version"] for r in stored] == [2, 3]
    first, second = stored
    assert msgspec.json.decode(first["legs"]) == [
        {"account": "player:p-1", "asset": "diamond", "amount": -10},
        {"account": "player:p-1", "asset": "gold_coin", "amount": 1},
    ]
    assert msgspec.json.decode(first["state_after"]) == {"diamond": 90, "gold_coin": 1}
    assert (first["item"], first["quantity"], first["occurred_at"]) == ("gold_coin", 1, AT)
    assert msgspec.json.decode(first["metadata"]) == {"match": "m-1", "note": 'a "quoted" é'}
    assert first["no_energy"]  # None is SQL NULL, not JSON null
    assert (second["memo"], second["item"]) == (None, None)
    assert msgspec.json.decode(second["energy"]) == msgspec.to_builtins(energy)


async def test_a_history_key_already_there_fails_the_batch(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await HISTORY.write(conn, [_row(2)], LIVE)
    with pytest.raises(asyncpg.UniqueViolationError):
        async with pool.acquire() as conn, conn.transaction():
            await HISTORY.write(conn, [_row(3), _row(2)], LIVE)
    versions = await pool.fetch("SELECT version FROM rm_history WHERE player_id = 'p-1'")
    assert [r["version"] for r in versions] == [2]  # nothing of the failed batch


class _Balance(msgspec.Struct):
    account: str
    asset: str
    balance: int
    updated_at: datetime


def test_an_upserted_tables_rows_may_be_tuples_dicts_or_objects() -> None:
    table = Table(
        "rm_accounts",
        "account text, asset text, balance bigint, updated_at timestamptz",
        "ON CONFLICT (account, asset) DO NOTHING",
    )
    tuples = [("a", "diamond", 5, AT), ("b", "star", -1, AT)]
    dicts = [dict(zip(table.names, row, strict=True)) for row in tuples]
    objects = [_Balance(*row) for row in tuples]
    expected = [["a", "b"], ["diamond", "star"], [5, -1], [AT, AT]]
    assert table.arrays(tuples) == table.arrays(dicts) == table.arrays(objects) == expected
