"""Sessions as the API serves them: tokens at login and refresh, logout, revoking a player.

A login that asks for refresh opens a refresh family; each refresh uses its token once and
answers the next one in the same family. Presenting a used one means two parties hold the
family's tokens (OAuth 2.0 Security BCP, refresh token rotation): the family is revoked with
every access token it issued, and the rightful client logs in again.
"""

import secrets

import asyncpg
import structlog

from api.http.auth import Principal, Tokens, unauthorized
from api.http.services import Services
from api.player.schemas import LoginResponse
from infra import sessions
from infra.credentials import Credential
from infra.db import connection
from infra.sessions import Revocation

_log = structlog.get_logger(__name__)


def _refresh_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: guessing one is hopeless, no throttle needed


def _answer(
    token: str, expires_in: int, refresh: str | None = None, lasts: int | None = None
) -> LoginResponse:
    return LoginResponse(
        token=token,
        expires_in=expires_in,
        token_type="Bearer",  # noqa: S106 - the scheme, not a secret
        refresh_token=refresh,
        refresh_expires_in=lasts,
    )


def _access_until(tokens: Tokens) -> float:
    # Every access token issued so far expires by then (none lasts longer than the TTL).
    return tokens.now() + tokens.ttl + tokens.leeway


def _note(tokens: Tokens, revocation: Revocation) -> None:
    # This process refuses at once; the others when the NOTIFY reaches them.
    if tokens.revocations is not None:
        tokens.revocations.note(revocation)


async def open_session(
    services: Services, login: Credential, *, refresh: bool, access_ttl: int | None
) -> LoginResponse:
    """The login's answer: an access token and, when asked, a new refresh family's first token."""
    tokens = services.tokens
    if not refresh:
        issued = tokens.issue(login.player_id, login.role, ttl=access_ttl)
        return _answer(issued.token, issued.expires_in)
    family, first = secrets.token_urlsafe(12), _refresh_token()
    lasts = services.settings.refresh_ttl_seconds
    chosen = None if access_ttl is None else tokens.lifetime(access_ttl)
    async with connection(services.pool) as conn:
        await sessions.open_family(
            conn, family, login.player_id, chosen, sessions.digest(first), tokens.now() + lasts
        )
    issued = tokens.issue(login.player_id, login.role, ttl=chosen, family=family)
    return _answer(issued.token, issued.expires_in, first, lasts)


async def rotate(services: Services, presented: str, access_ttl: int | None) -> LoginResponse:
    """The next pair for a refresh token, which is used up; a reused one ends its family."""
    tokens, successor = services.tokens, _refresh_token()
    lasts = services.settings.refresh_ttl_seconds
    async with connection(services.pool) as conn:
        rotation = await sessions.rotate(
            conn,
            sessions.digest(presented),
            sessions.digest(successor),
            tokens.now() + lasts,
            _access_until(tokens),
        )
    if rotation.outcome == "reused":
        _note(tokens, _family(rotation.family_id, tokens))
        _log.warning("refresh token reused", player_id=rotation.player_id)
        raise unauthorized("the refresh token was already used: its session is revoked")
    if rotation.outcome == "refused":
        raise unauthorized("the refresh token is not valid")
    ttl = access_ttl or rotation.access_ttl
    issued = tokens.issue(rotation.player_id, rotation.role, ttl=ttl, family=rotation.family_id)
    return _answer(issued.token, issued.expires_in, successor, lasts)


def _family(family_id: str, tokens: Tokens) -> Revocation:
    return Revocation(kind="family", subject=family_id, expires_at=_access_until(tokens))


async def log_out(services: Services, principal: Principal) -> None:
    """Revoke the presented token and, if a refresh family issued it, the whole family."""
    if principal.token_id is None:
        raise unauthorized("this token has no id, so it cannot be revoked")
    tokens = services.tokens
    token = Revocation(
        kind="token", subject=principal.token_id, expires_at=float(principal.expires_at)
    )
    async with connection(services.pool) as conn, conn.transaction():
        await sessions.revoke(conn, token)
        if principal.family is not None:
            await sessions.revoke_family(conn, principal.family, _access_until(tokens))
    _note(tokens, token)
    if principal.family is not None:
        _note(tokens, _family(principal.family, tokens))
    _log.info("logged out", player_id=principal.player_id)


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


async def revoke_all(services: Services, player_id: str) -> int:
    """Every session of a player, from the API (this process refuses at once)."""
    tokens = services.tokens
    mark = player_mark(player_id, tokens.now(), tokens.ttl, tokens.leeway)
    count = await revoke_player(services.pool, mark)
    _note(tokens, mark)
    _log.info("sessions revoked", player_id=player_id, refresh_families=count)
    return count
