"""The credentials table: password hashes and roles, kept apart from the ledger's events."""

from domain.ports import Credential
from infra.db import Conn

__all__ = ["Credential", "by_player", "by_username", "insert", "rehash", "set_role"]


_INSERT = """
INSERT INTO credentials (player_id, username, password_hash, role) VALUES ($1, $2, $3, $4)
"""
_BY_USERNAME = """
SELECT player_id, username, password_hash, role FROM credentials WHERE lower(username) = lower($1)
"""
_BY_ID = "SELECT player_id, username, password_hash, role FROM credentials WHERE player_id = $1"
_REHASH = "UPDATE credentials SET password_hash = $2 WHERE player_id = $1"
_SET_ROLE = "UPDATE credentials SET role = $2, password_hash = $3 WHERE player_id = $1"


async def insert(conn: Conn, credential: Credential) -> None:
    """Store a new login (inside the signup's transaction)."""
    c = credential
    await conn.execute(_INSERT, c.player_id, c.username, c.password_hash, c.role)


async def by_username(conn: Conn, username: str) -> Credential | None:
    """The login for a username (case-insensitive), if any."""
    row = await conn.fetchrow(_BY_USERNAME, username)
    return Credential(**dict(row)) if row else None


async def by_player(conn: Conn, player_id: str) -> Credential | None:
    """The login of a player, if any."""
    row = await conn.fetchrow(_BY_ID, player_id)
    return Credential(**dict(row)) if row else None


async def rehash(conn: Conn, player_id: str, password_hash: str) -> None:
    """Replace a hash made with old parameters."""
    await conn.execute(_REHASH, player_id, password_hash)


async def set_role(conn: Conn, player_id: str, role: str, password_hash: str) -> None:
    """Promote (or demote) a login and set its password."""
    await conn.execute(_SET_ROLE, player_id, role, password_hash)
