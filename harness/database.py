"""A fresh, migrated database per scenario run, named with the process id, dropped afterwards.

Other engineers' tests share the server: we only ever drop the databases we created.
"""

import contextlib
import itertools
import os
import re
from collections.abc import AsyncIterator

import asyncpg

from infra import migrate
from infra.db import with_database

_counter = itertools.count()
KEEP_ENV = "GAMELEDGER_SCENARIO_KEEP"  # set to 1 to leave the databases for a post-mortem


def database_name(label: str) -> str:
    """A name no concurrent run can pick: label, process id and a counter."""
    safe = re.sub(r"[^a-z0-9_]", "_", label.lower())[:20]
    return f"gl_scn_{safe}_{os.getpid()}_{next(_counter)}"


@contextlib.asynccontextmanager
async def fresh_database(server_dsn: str, label: str) -> AsyncIterator[str]:
    """Create and migrate a database for one scenario; yield its DSN; drop it at the end."""
    name = database_name(label)
    admin = await asyncpg.connect(server_dsn, timeout=30)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = with_database(server_dsn, name)
    try:
        conn = await asyncpg.connect(dsn, timeout=30)
        try:
            await migrate.migrate(conn)
        finally:
            await conn.close()
        yield dsn
    finally:
        if os.environ.get(KEEP_ENV) != "1":
            await drop_database(server_dsn, name)


async def drop_database(server_dsn: str, name: str) -> None:
    """Drop a database we created, closing whatever is still connected to it."""
    with contextlib.suppress(OSError, asyncpg.PostgresError):
        admin = await asyncpg.connect(server_dsn, timeout=30)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
