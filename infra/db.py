"""The asyncpg pool, with timeouts everywhere: a silently dropped connection never hangs."""

from typing import Any, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from infra.config import Settings

Pool = asyncpg.Pool
# A connection, whether taken from the pool or opened alone.
Conn: TypeAlias = asyncpg.Connection | PoolConnectionProxy

SERVER_SETTINGS = {
    "application_name": "gameledger",
    # A forgotten open transaction would hold back the projectors' horizon.
    "idle_in_transaction_session_timeout": "10000",
    "statement_timeout": "30000",
}


async def keep_session(_: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing beyond asyncpg's own rollback of an open transaction.

    asyncpg's default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release: one more round trip per request (9% of a purchase's CPU in the profile).
    No pooled connection carries session state across a release here: transactions are always
    managed, advisory locks in commands and projections are transaction-level, `LISTEN` is
    undone by `remove_listener`, and the one session-level lock holder (projections/leadership.py)
    terminates its connection instead of returning it.
    """


async def create_pool(
    dsn: str,
    settings: Settings,
    *,
    min_size: int | None = None,
    max_size: int | None = None,
    application: str = SERVER_SETTINGS["application_name"],
) -> asyncpg.Pool:
    """A pool whose connections time out instead of waiting forever. `application` names its
    connections in `pg_stat_activity` (the loops' pools say which loop they serve)."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=settings.db_pool_min if min_size is None else min_size,
        max_size=settings.db_pool_max if max_size is None else max_size,
        command_timeout=settings.db_command_timeout,
        timeout=settings.db_command_timeout,
        max_inactive_connection_lifetime=60,
        reset=keep_session,
        server_settings={**SERVER_SETTINGS, "application_name": application},
    )
    assert pool is not None
    return pool


def connection(pool: asyncpg.Pool) -> "Pooled":
    """A pooled connection that is dropped, not returned, when a statement timed out.

    On a timeout asyncpg asks the server to cancel the statement, and returning the connection
    to the pool then waits for that cancellation; when the network is black-holed the wait
    lasts as long as the timeout again, so the request would answer only after twice
    DB_COMMAND_TIMEOUT. Terminating the connection instead answers at the timeout; the pool
    opens a new one when it is next needed.
    """
    return Pooled(pool)


class Pooled:
    """`connection`'s context manager: a class, not a generator, as every read and write
    enters one (a generator's context manager cost ~5% of a `/balance`, issue 22)."""

    __slots__ = ("_acquired",)

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._acquired = pool.acquire()

    async def __aenter__(self) -> Conn:
        conn: Conn = await self._acquired.__aenter__()
        return conn

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: Any
    ) -> None:
        if isinstance(error, TimeoutError | asyncpg.exceptions.InternalClientError):
            # Timed out, or the driver lost step with a connection the server dropped:
            # either way, never hand this connection to the next request.
            conn = self._acquired.connection
            if conn is not None:
                conn.terminate()
        await self._acquired.__aexit__(kind, error, trace)


def database_of(dsn: str) -> str:
    """The name of the database a DSN points at (also for a socket DSN, `...@/name?host=/dir`)."""
    return urlsplit(dsn).path.lstrip("/")


def with_database(dsn: str, database: str) -> str:
    """The same server's DSN pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))
