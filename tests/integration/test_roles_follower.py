"""Each process's copy of the privileged accounts: a role change reaches it at once (a trigger
NOTIFYs), and a copy it cannot refresh refuses the writes that need it rather than guess."""

import asyncio

import asyncpg
import pytest

from domain.account_errors import RolesUnavailable
from infra.config import Settings
from infra.follower import connector
from infra.roles import RolesFollower

_INSERT = (
    "INSERT INTO credentials (player_id, username, password_hash, role) VALUES ($1, $2, 'h', $3)"
)


async def seen(roles: RolesFollower, player_id: str, privileged: bool = True) -> None:
    """Wait until the copy says so (the poll would take at most 0.2 s; this one never polls)."""
    for _ in range(500):
        if (player_id in await roles.privileged()) == privileged:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the copy never caught up")


async def test_roles_given_and_taken_back_reach_the_copy(
    pool: asyncpg.Pool, db_dsn: str, settings: Settings
) -> None:
    roles = RolesFollower(connector(db_dsn, settings), poll=3600.0)  # only NOTIFY wakes it
    await roles.start()
    try:
        async with pool.acquire() as conn:
            await conn.execute(_INSERT, "p1", "alice", "player")
            await conn.execute(_INSERT, "s1", "arena", "service")
            await seen(roles, "s1")
            assert "p1" not in await roles.privileged()
            await conn.execute("UPDATE credentials SET role = 'admin' WHERE player_id = 'p1'")
            await seen(roles, "p1")
            await conn.execute("UPDATE credentials SET role = 'player' WHERE player_id = 's1'")
            await seen(roles, "s1", privileged=False)
    finally:
        await roles.stop()


async def test_a_copy_that_cannot_be_refreshed_is_not_trusted(settings: Settings) -> None:
    async def unreachable() -> asyncpg.Connection:
        raise ConnectionRefusedError

    roles = RolesFollower(unreachable, max_age=0.05)
    await roles.start()
    try:
        with pytest.raises(RolesUnavailable) as refused:
            await roles.privileged()
        assert refused.value.category == "unavailable"  # answered 503 database-unavailable
    finally:
        await roles.stop()
