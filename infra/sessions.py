"""Revocations and rotating refresh tokens: the tables of migrations/005_sessions.sql.

Every revoking transaction NOTIFYs CHANNEL; a NOTIFY sent inside a transaction is delivered
at its commit, so a listener that re-reads on it always finds the row. (The commit-ordering
cost of notifying transactions, which infra/waker.py avoids for writes, is nothing here:
revocations are rare.)
"""

import hashlib
from typing import Literal

import msgspec

from infra.db import Conn

CHANNEL = "gameledger_revocations"
Kind = Literal["token", "family", "player"]


class Revocation(msgspec.Struct, frozen=True, kw_only=True):
    """One revoked token (jti), refresh family, or player's tokens issued before a second."""

    kind: Kind
    subject: str
    expires_at: float  # epoch seconds: after it, nothing this revokes can still be valid
    issued_before: int | None = None


class Rotation(msgspec.Struct, frozen=True, kw_only=True):
    """What presenting a refresh token did: rotated it, caught a reuse, or refused it."""

    outcome: Literal["rotated", "reused", "refused"]
    player_id: str = ""
    role: str = ""
    family_id: str = ""
    access_ttl: int | None = None


REFUSED = Rotation(outcome="refused")


def digest(refresh_token: str) -> bytes:
    """The stored form of a refresh token."""
    return hashlib.sha256(refresh_token.encode()).digest()


_INSERT = """
INSERT INTO revocations (kind, subject, issued_before, expires_at)
VALUES ($1, $2, $3, to_timestamp($4))
"""
_NOTIFY = "SELECT pg_notify($1, '')"

# The horizon first, in the same statement (one snapshot) as the rows: a transaction that had
# not committed when this snapshot was taken has an id at or above it, so reading from it next
# time never skips a late committer (projections/cursor.py explains the horizon).
_SINCE = """
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
SELECT horizon.xmin AS horizon, r.kind, r.subject, r.issued_before,
       extract(epoch FROM r.expires_at)::float8 AS expires_at
  FROM horizon
  LEFT JOIN revocations r
         ON r.transaction_id >= $1::xid8 AND r.expires_at > now() - interval '1 minute'
"""

_REVOKE_FAMILY = """
UPDATE refresh_families SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL
"""
_REVOKE_PLAYER_FAMILIES = """
UPDATE refresh_families SET revoked_at = now() WHERE player_id = $1 AND revoked_at IS NULL
"""
_NEW_FAMILY = """
INSERT INTO refresh_families (family_id, player_id, access_ttl, expires_at)
VALUES ($1, $2, $3, to_timestamp($4))
"""
_NEW_REFRESH = """
INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, to_timestamp($3))
"""
# Locked, so two presentations of one token are serialised: the second sees it used.
_PRESENTED = """
SELECT t.family_id, t.used_at IS NOT NULL AS used, t.expires_at <= now() AS expired,
       f.revoked_at IS NOT NULL AS revoked, f.access_ttl, f.player_id, c.role
  FROM refresh_tokens t
  JOIN refresh_families f USING (family_id)
  JOIN credentials c ON c.player_id = f.player_id
 WHERE t.token_hash = $1
   FOR UPDATE OF t
"""
_USE = "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1"
_EXTEND = "UPDATE refresh_families SET expires_at = to_timestamp($2) WHERE family_id = $1"

# A minute late: tokens are accepted a few seconds past their expiry (the verifier's leeway).
_PURGE_REVOCATIONS = "DELETE FROM revocations WHERE expires_at < now() - interval '1 minute'"
# Cascades to the family's refresh tokens, none of which outlives the family.
_PURGE_FAMILIES = "DELETE FROM refresh_families WHERE expires_at < now()"


async def read_since(
    conn: Conn, horizon: int, limit: float | None = None
) -> tuple[list[Revocation], int]:
    """Unexpired revocations committed at or after `horizon` (some again), and the next one;
    `limit` bounds the wait in seconds (the driver cancels the statement past it)."""
    rows = await conn.fetch(_SINCE, horizon, timeout=limit)
    found = [
        Revocation(
            kind=r["kind"],
            subject=r["subject"],
            expires_at=r["expires_at"],
            issued_before=r["issued_before"],
        )
        for r in rows
        if r["kind"] is not None
    ]
    return found, int(rows[0]["horizon"])


async def revoke(conn: Conn, revocation: Revocation) -> None:
    """Record a revocation and tell every listener (at commit, inside a transaction)."""
    r = revocation
    await conn.execute(_INSERT, r.kind, r.subject, r.issued_before, r.expires_at)
    await conn.execute(_NOTIFY, CHANNEL)


async def revoke_family(conn: Conn, family_id: str, access_until: float) -> None:
    """End a refresh family: its refresh tokens and the access tokens it issued."""
    async with conn.transaction():
        await conn.execute(_REVOKE_FAMILY, family_id)
        await revoke(conn, Revocation(kind="family", subject=family_id, expires_at=access_until))


async def revoke_player(conn: Conn, player_id: str, issued_before: int, until: float) -> int:
    """End every session of a player; the number of refresh families that were still open."""
    async with conn.transaction():
        status = await conn.execute(_REVOKE_PLAYER_FAMILIES, player_id)
        mark = Revocation(
            kind="player", subject=player_id, expires_at=until, issued_before=issued_before
        )
        await revoke(conn, mark)
    return int(status.split()[-1])


async def open_family(
    conn: Conn, family_id: str, player_id: str, access_ttl: int | None, first: bytes, until: float
) -> None:
    """A new refresh family with its first token (stored as `first`, a digest)."""
    async with conn.transaction():
        await conn.execute(_NEW_FAMILY, family_id, player_id, access_ttl, until)
        await conn.execute(_NEW_REFRESH, first, family_id, until)


async def rotate(
    conn: Conn, presented: bytes, successor: bytes, until: float, access_until: float
) -> Rotation:
    """Use the presented token once, issuing `successor` in its family; a reuse ends it."""
    async with conn.transaction():
        row = await conn.fetchrow(_PRESENTED, presented)
        if row is None or row["revoked"]:
            return REFUSED
        found = Rotation(
            outcome="rotated",
            player_id=row["player_id"],
            role=row["role"],
            family_id=row["family_id"],
            access_ttl=row["access_ttl"],
        )
        if row["used"]:
            await revoke_family(conn, found.family_id, access_until)
            return msgspec.structs.replace(found, outcome="reused")
        if row["expired"]:
            return REFUSED
        await conn.execute(_USE, presented)
        await conn.execute(_NEW_REFRESH, successor, found.family_id, until)
        await conn.execute(_EXTEND, found.family_id, until)
    return found


async def purge(conn: Conn) -> None:
    """Drop what has expired: revocations of dead tokens, families past their last token."""
    await conn.execute(_PURGE_REVOCATIONS)
    await conn.execute(_PURGE_FAMILIES)
