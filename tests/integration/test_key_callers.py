"""Idempotency keys belong to who sent them, and keys stored before that still replay."""

import asyncpg
import msgspec

from domain.commands import EconomyRules, TopUp
from infra import migrate
from infra.config import Settings
from infra.db import create_pool
from service.batch import BatchItem, execute
from service.idempotency import fingerprint
from service.results import TransferResult
from tests.ledgers import ledger_over

OLD = TransferResult(transfer_id="t-old", player_id="p-old", version=2, balances={"diamond": 40})


async def store_a_key_as_before_callers(conn: asyncpg.Connection, command: TopUp) -> None:
    """The schema of migration 009, and a row as the ledger wrote it then."""
    await migrate.migrate(conn, target=9)
    await conn.execute(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, response)"
        " VALUES ($1, 'reward-77', $2, $3::jsonb)",
        command.player_id,
        fingerprint(command),
        msgspec.json.encode(OLD).decode(),
    )


async def test_a_key_stored_before_the_migration_still_replays(
    empty_db_dsn: str, settings: Settings
) -> None:
    command = TopUp(player_id="p-old", amount=40)
    conn = await asyncpg.connect(empty_db_dsn)
    try:
        await store_a_key_as_before_callers(conn, command)
        assert (await migrate.migrate(conn))[0] == "010_idempotency_callers"
    finally:
        await conn.close()
    pool = await create_pool(empty_db_dsn, settings)
    ledger = ledger_over(pool, EconomyRules(shard_count=2))
    try:
        assert await ledger.seed_genesis()
        events = await pool.fetchval("SELECT count(*) FROM events")
        assert await ledger.handle(command, "reward-77") == OLD
        # Who sent it then is unknown: it answers whoever sends it now, as it did before.
        [batch] = await execute(
            ledger, [BatchItem(command=command, key="reward-77")], atomic=False, caller="server"
        )
        assert (batch.result, batch.replayed) == (OLD, True)
        assert await pool.fetchval("SELECT count(*) FROM events") == events
    finally:
        await ledger.close()
        await pool.close()
