"""Sessions: the password check at login, the tokens it opens, refresh rotation, logout and
revoking a player. The API (api/player/accounts.py, api/ops/admin.py) and the command line
(`gameledger admin revoke`) call it; they only translate its answers.

A login that asks for refresh opens a refresh family; each refresh uses its token once and
answers the next one in the same family. Presenting a used one means two parties hold the
family's tokens (OAuth 2.0 Security BCP, refresh token rotation): the family is revoked with
every access token it issued, and the rightful client logs in again.
"""

import secrets
import time
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import structlog

from domain.account_errors import UnknownPlayer
from infra import credentials, sessions
from infra.credentials import Credential
from infra.db import connection
from infra.sessions import Revocation
from service.passwords import Passwords

_log = structlog.get_logger(__name__)

LEEWAY = 5  # seconds a token is accepted past its expiry: clock skew between hosts


class SessionRefused(Exception):
    """The credentials or the refresh token do not open a session (the API answers 401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Issued(Protocol):
    """A signed access token and its lifetime in seconds."""

    @property
    def token(self) -> str: ...

    @property
    def expires_in(self) -> int: ...


class Noted(Protocol):
    """The process's copy of the revocations, told at once of one committed here."""

    def note(self, revocation: Revocation) -> None: ...


class TokenIssuer(Protocol):
    """What sessions need of the access tokens (api/http/auth.py's Tokens)."""

    @property
    def ttl(self) -> int: ...

    @property
    def leeway(self) -> int: ...

    @property
    def revocations(self) -> Noted | None: ...

    def now(self) -> float: ...

    def lifetime(self, wanted: int | None) -> int: ...

    def issue(
        self, player_id: str, role: str, *, ttl: int | None = None, family: str | None = None
    ) -> Issued: ...


@dataclass(frozen=True)
class Session:
    """An access token and, when asked, the refresh token that renews it."""

    token: str
    expires_in: int
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


def _refresh_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: guessing one is hopeless, no throttle needed


@dataclass(frozen=True)
class Sessions:
    """Sessions over one pool, token issuer and password hasher."""

    pool: asyncpg.Pool
    tokens: TokenIssuer
    passwords: Passwords
    refresh_ttl: int

    async def check_password(self, username: str, password: str) -> Credential | None:
        """The login of `username` when `password` matches, else None; as slow either way."""
        async with connection(self.pool) as conn:
            login = await credentials.by_username(conn, username)
        matches = await self.passwords.verify(login.password_hash if login else None, password)
        return login if login is not None and matches else None

    async def log_in(
        self, login: Credential, password: str, *, refresh: bool, access_ttl: int | None
    ) -> Session:
        """The session of a checked login; an outdated password hash is upgraded first."""
        if self.passwords.needs_rehash(login.password_hash):
            await self._rehash(login.player_id, password)
        session = await self._open(login, refresh=refresh, access_ttl=access_ttl)
        _log.info("logged in", player_id=login.player_id, refresh=refresh)
        return session

    async def _rehash(self, player_id: str, password: str) -> None:
        # The parameters changed since this hash was made: upgrade it while we hold the password.
        fresh = await self.passwords.hash(password)
        async with connection(self.pool) as conn:
            await credentials.rehash(conn, player_id, fresh)

    async def _open(self, login: Credential, *, refresh: bool, access_ttl: int | None) -> Session:
        tokens = self.tokens
        if not refresh:
            issued = tokens.issue(login.player_id, login.role, ttl=access_ttl)
            return Session(token=issued.token, expires_in=issued.expires_in)
        family, first = secrets.token_urlsafe(12), _refresh_token()
        chosen = None if access_ttl is None else tokens.lifetime(access_ttl)
        async with connection(self.pool) as conn:
            await sessions.open_family(
                conn,
                family,
                login.player_id,
                chosen,
                sessions.digest(first),
                tokens.now() + self.refresh_ttl,
            )
        issued = tokens.issue(login.player_id, login.role, ttl=chosen, family=family)
        return Session(issued.token, issued.expires_in, first, self.refresh_ttl)

    async def rotate(self, presented: str, access_ttl: int | None) -> Session:
        """The next pair for a refresh token, which is used up; a reused one ends its family."""
        tokens, successor = self.tokens, _refresh_token()
        async with connection(self.pool) as conn:
            rotation = await sessions.rotate(
                conn,
                sessions.digest(presented),
                sessions.digest(successor),
                tokens.now() + self.refresh_ttl,
                self._access_until(),
            )
        if rotation.outcome == "reused":
            self._note(self._family(rotation.family_id))
            _log.warning("refresh token reused", player_id=rotation.player_id)
            raise SessionRefused("the refresh token was already used: its session is revoked")
        if rotation.outcome == "refused":
            raise SessionRefused("the refresh token is not valid")
        ttl = access_ttl or rotation.access_ttl
        issued = tokens.issue(rotation.player_id, rotation.role, ttl=ttl, family=rotation.family_id)
        return Session(issued.token, issued.expires_in, successor, self.refresh_ttl)

    async def log_out(
        self, player_id: str, token_id: str | None, family: str | None, expires_at: int
    ) -> None:
        """Revoke the presented token and, if a refresh family issued it, the whole family."""
        if token_id is None:
            raise SessionRefused("this token has no id, so it cannot be revoked")
        token = Revocation(kind="token", subject=token_id, expires_at=float(expires_at))
        async with connection(self.pool) as conn, conn.transaction():
            await sessions.revoke(conn, token)
            if family is not None:
                await sessions.revoke_family(conn, family, self._access_until())
        self._note(token)
        if family is not None:
            self._note(self._family(family))
        _log.info("logged out", player_id=player_id)

    async def revoke_all(self, username: str) -> int:
        """Every session of a player (this process refuses at once; UnknownPlayer if none);
        the refresh families that were still open."""
        player_id, tokens = await _player_id(self.pool, username), self.tokens
        mark = player_mark(player_id, tokens.now(), tokens.ttl, tokens.leeway)
        count = await revoke_player(self.pool, mark)
        self._note(mark)
        _log.info("sessions revoked", player_id=player_id, refresh_families=count)
        return count

    def _access_until(self) -> float:
        # Every access token issued so far expires by then (none lasts longer than the TTL).
        return self.tokens.now() + self.tokens.ttl + self.tokens.leeway

    def _family(self, family_id: str) -> Revocation:
        return Revocation(kind="family", subject=family_id, expires_at=self._access_until())

    def _note(self, revocation: Revocation) -> None:
        # This process refuses at once; the others when the NOTIFY reaches them.
        revocations = self.tokens.revocations
        if revocations is not None:
            revocations.note(revocation)


def player_mark(player_id: str, now: float, ttl: int, leeway: int) -> Revocation:
    """Refuse every token of `player_id` issued up to `now` (iat has whole seconds, so also
    those issued later in the same second: that player logs in once more)."""
    return Revocation(
        kind="player",
        subject=player_id,
        issued_before=int(now) + 1,
        expires_at=now + ttl + leeway,
    )


async def revoke_player(pool: asyncpg.Pool, mark: Revocation) -> int:
    """Record `mark` and end the player's refresh families; how many were still open."""
    assert mark.issued_before is not None
    async with connection(pool) as conn:
        return await sessions.revoke_player(conn, mark.subject, mark.issued_before, mark.expires_at)


async def revoke_username(pool: asyncpg.Pool, username: str, token_ttl: int) -> int:
    """Revoke every token of `username` from outside a server (the command line): the servers
    refuse them within a second. UnknownPlayer if none; the refresh families ended."""
    mark = player_mark(await _player_id(pool, username), time.time(), token_ttl, LEEWAY)
    return await revoke_player(pool, mark)


async def _player_id(pool: asyncpg.Pool, username: str) -> str:
    async with connection(pool) as conn:
        login = await credentials.by_username(conn, username)
    if login is None:
        raise UnknownPlayer("no player has this username", username=username)
    return login.player_id
