"""The revocations table read after its horizon, and refresh rotation under a real database."""

import asyncio

import asyncpg

from infra import sessions
from infra.sessions import Revocation
from service.ledger import LedgerService

FAR = 4_000_000_000.0  # epoch seconds, long after any test


def token(jti: str) -> Revocation:
    return Revocation(kind="token", subject=jti, expires_at=FAR)


async def test_a_late_committing_revoker_is_never_skipped(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as reader, pool.acquire() as late, pool.acquire() as early:
        _, horizon = await sessions.read_since(reader, 0)
        slow = late.transaction()
        await slow.start()
        await sessions.revoke(late, token("late"))  # takes its transaction id now...
        await sessions.revoke(early, token("early"))  # ...and this one commits first
        found, horizon = await sessions.read_since(reader, horizon)
        assert [r.subject for r in found] == ["early"]
        await slow.commit()
        found, _ = await sessions.read_since(reader, horizon)
        assert "late" in [r.subject for r in found]


async def test_expired_revocations_are_not_read(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await sessions.revoke(conn, Revocation(kind="token", subject="old", expires_at=1000.0))
        await sessions.revoke(conn, token("new"))
        found, _ = await sessions.read_since(conn, 0)
        await sessions.purge(conn)
        left = await conn.fetchval("SELECT count(*) FROM revocations")
    assert [r.subject for r in found] == ["new"]
    assert left == 1


async def test_one_refresh_token_rotates_once_even_when_presented_twice_at_once(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    del ledger  # genesis seeded; the player needs a credential
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO credentials (player_id, username, password_hash) VALUES ('p1', 'u1', 'h')"
        )
        await sessions.open_family(conn, "f1", "p1", None, sessions.digest("r0"), FAR)

    async def present(successor: str) -> str:
        async with pool.acquire() as conn:
            rotation = await sessions.rotate(
                conn, sessions.digest("r0"), sessions.digest(successor), FAR, FAR
            )
        return rotation.outcome

    outcomes = await asyncio.gather(present("r1"), present("r2"))
    assert sorted(outcomes) == ["reused", "rotated"]
    async with pool.acquire() as conn:
        revoked = await conn.fetchval("SELECT revoked_at IS NOT NULL FROM refresh_families")
        kinds = [r["kind"] for r in await conn.fetch("SELECT kind FROM revocations")]
    assert revoked
    assert kinds == ["family"]
