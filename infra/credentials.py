"""The credentials table: password hashes and roles, kept apart from the ledger's events."""

from domain.ports import Credential
from infra.db import Conn

__all__ = [
    "CHANNEL",
    "Credential",
    "by_player",
    "by_username",
    "insert",
    "privileged",
    "privileged_ids",
    "rehash",
    "set_role",
]

# A role given, changed or taken back NOTIFYs this channel (a trigger: migrations/012), so every
# process's copy of the privileged accounts (infra/roles.py) re-reads at once.
CHANNEL = "gameledger_roles"


_INSERT = """
INSERT INTO credentials (player_id, username, password_hash, role) VALUES ($1, $2, $3, $4)
"""
_BY_USERNAME = """
SELECT player_id, username, password_hash, role FROM credentials WHERE lower(username) = lower($1)
"""
_BY_ID = "SELECT player_id, username, password_hash, role FROM credentials WHERE player_id = $1"
_REHASH = "UPDATE credentials SET password_hash = $2 WHERE player_id = $1"
_SET_ROLE = "UPDATE credentials SET role = $2, password_hash = $3 WHERE player_id = $1"
# Through the partial index of migrations/012: a handful of rows, however many players.
_PRIVILEGED = """
SELECT player_id, username, role FROM credentials WHERE role <> 'player' ORDER BY username
"""


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


async def privileged_ids(conn: Conn) -> frozenset[str]:
    """The ids of the service and admin accounts."""
    return frozenset(r["player_id"] for r in await conn.fetch(_PRIVILEGED))


async def privileged(conn: Conn) -> list[tuple[str, str, str]]:
    """(player id, username, role) of every service and admin account, by username."""
    return [(r["player_id"], r["username"], r["role"]) for r in await conn.fetch(_PRIVILEGED)]
