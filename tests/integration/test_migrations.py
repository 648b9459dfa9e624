"""The migration runner: applies each file once, in order, even when several run at once."""

import asyncio

import asyncpg

from infra import migrate


async def test_migration_files_are_numbered_once_each_without_gaps() -> None:
    versions = [version for version, _, _ in migrate.available()]
    assert sorted(set(versions)) == list(range(1, max(versions) + 1))
    assert len(set(versions)) == len(versions)


async def test_a_second_run_applies_nothing(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        before = await conn.fetch("SELECT version, applied_at FROM schema_migrations")
        assert await migrate.migrate(conn) == []
        assert await migrate.pending(conn) == []
        assert await conn.fetch("SELECT version, applied_at FROM schema_migrations") == before
    finally:
        await conn.close()


async def test_concurrent_runs_on_a_new_database_apply_each_migration_once(
    empty_db_dsn: str,
) -> None:
    conns = [await asyncpg.connect(empty_db_dsn) for _ in range(4)]
    try:
        assert await migrate.pending(conns[0]) == [name for _, name, _ in migrate.available()]
        runs = await asyncio.gather(*(migrate.migrate(c) for c in conns))
        rows = await conns[0].fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    finally:
        for conn in conns:
            await conn.close()
    every = [name for _, name, _ in migrate.available()]
    assert sorted(name for run in runs for name in run) == every  # each applied by one runner
    assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in migrate.available()]


async def test_the_migrated_events_table_has_the_columns_the_ledger_relies_on(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        columns = {
            r["column_name"]: (r["data_type"], r["is_nullable"])
            for r in await conn.fetch(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                " WHERE table_name = 'events'"
            )
        }
        key = await conn.fetchval(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'events'::regclass AND contype = 'p'"
        )
    finally:
        await conn.close()
    assert columns == {
        "global_position": ("bigint", "NO"),
        "stream_id": ("text", "NO"),
        "version": ("bigint", "NO"),
        "transaction_id": ("xid8", "NO"),
        "event_type": ("text", "NO"),
        "schema_version": ("integer", "NO"),
        "payload": ("jsonb", "NO"),
        "metadata": ("jsonb", "NO"),
        "recorded_at": ("timestamp with time zone", "NO"),
        "hash": ("bytea", "NO"),
    }
    assert key == "PRIMARY KEY (stream_id, version)"


async def test_idempotency_keys_are_unique_per_caller_scope_and_key(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        columns = {
            r["column_name"]: (r["data_type"], r["is_nullable"], r["column_default"])
            for r in await conn.fetch(
                "SELECT column_name, data_type, is_nullable, column_default"
                " FROM information_schema.columns WHERE table_name = 'idempotency_keys'"
            )
        }
        key = await conn.fetchval(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'idempotency_keys_pkey'"  # infra/eventstore.py names it
        )
    finally:
        await conn.close()
    assert columns["caller"] == ("text", "NO", None)  # every new row names its caller
    assert key == "PRIMARY KEY (scope, key, caller)"
