"""Bearer tokens (JWT, HS256 pinned) and the guards that check them and the role.

The algorithm is fixed server-side, so a token's own header can never choose `none` or another
key type; `exp`, `iat`, `sub`, `iss` and `aud` are required. A player's token names only that
player (`sub`): no endpoint takes a player id from the client, so no token reaches another
player's data. The admin guard re-reads the role from the database, so a demotion takes
effect at once rather than when the token expires.

Tokens are revocable (`POST /logout`, `gameledger admin revoke`, a reused refresh token): each
check also asks the process's copy of the revocations (infra/revocations.py), which is never
more than a second behind the database; a copy that old is not trusted, and the answer is 503.
"""

import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

import jwt
import msgspec
import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from api.http import problems
from infra import credentials
from infra.config import ConfigError
from infra.db import connection as pooled
from infra.sessions import Revocation
from service.sessions import LEEWAY

_log = structlog.get_logger(__name__)

ALGORITHM = "HS256"
ISSUER = "gameledger"
AUDIENCE = "gameledger-api"
MIN_SECRET_BYTES = 32
ROLES = frozenset({"player", "admin", "service"})
_REQUIRED = ["exp", "iat", "sub", "iss", "aud", "role"]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gameledger"'}


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who a verified token speaks for, and what identifies the token for a revocation."""

    player_id: str
    role: str
    token_id: str | None = None  # jti (every token issued here has one)
    family: str | None = None  # fam: the refresh family that issued it, if any
    issued_at: int = 0
    expires_at: int = 0


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    """A signed token and its lifetime in seconds."""

    token: str
    expires_in: int


class Revocations(Protocol):
    """The process's copy of the revocations (infra/revocations.py)."""

    def trusted(self) -> bool:
        """True while the copy is recent enough to rely on."""

    def refuses(self, jti: str | None, family: str | None, player_id: str, issued_at: int) -> bool:
        """True when a token with these claims has been revoked."""

    def note(self, revocation: Revocation) -> None:
        """Apply a revocation this process has just committed."""

    async def current(self) -> None:
        """Wait briefly for a fresh copy, if it is stale and the database answers."""


class RevocationsStale(TimeoutError):
    """The copy of the revocations is too old to trust (answered as a 503)."""


class Tokens:
    """Issues and verifies access tokens with one secret."""

    def __init__(
        self,
        secret: str,
        ttl_seconds: int,
        leeway: int = LEEWAY,
        *,
        clock: Callable[[], float] | None = None,
        cache_size: int = 10_000,
    ) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"JWT_SECRET: at least {MIN_SECRET_BYTES} bytes are required")
        self._secret = secret
        self.ttl = ttl_seconds
        self._leeway = leeway
        self._clock = clock or time.time
        # Tokens already verified, with their expiry: a game client sends the same token with
        # every request, and HMAC-verifying and decoding it was ~7% of a purchase's CPU.
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._cache_size = cache_size
        # Set by the app's lifespan once the pool exists; None (tools, unit tests): no revoking.
        self.revocations: Revocations | None = None

    @property
    def leeway(self) -> int:
        """Seconds a token is still accepted past its expiry (clock skew between hosts)."""
        return self._leeway

    def now(self) -> float:
        """The clock tokens are issued and checked by (epoch seconds)."""
        return self._clock()

    def lifetime(self, wanted: int | None) -> int:
        """The access lifetime a client asked for, capped at the configured one."""
        return self.ttl if wanted is None else max(1, min(wanted, self.ttl))

    def issue(
        self, player_id: str, role: str, *, ttl: int | None = None, family: str | None = None
    ) -> IssuedToken:
        """A token for `player_id` with `role`, for `ttl` seconds (capped at the configured
        lifetime, which is also the default); `family` names the refresh family behind it."""
        now, lifetime = int(self._clock()), self.lifetime(ttl)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": player_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_urlsafe(12),
            "role": role,
        }
        if family is not None:
            claims["fam"] = family
        return IssuedToken(
            token=jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires_in=lifetime
        )

    def verify(self, token: str) -> Principal:
        """The principal of a valid, unrevoked token, or NotAuthorizedException (never says why
        in detail); RevocationsStale when revocations cannot be checked."""
        principal = self._verified_before(token)
        if principal is None:
            principal, expires = self._decode(token)
            if len(self._verified) >= self._cache_size:
                del self._verified[next(iter(self._verified))]  # the oldest entry
            self._verified[token] = (principal, expires)
        self._check_revoked(principal)
        return principal

    async def current(self) -> None:
        """Let a stale copy of the revocations catch up before a check (see Revocations)."""
        if self.revocations is not None:
            await self.revocations.current()

    def _verified_before(self, token: str) -> Principal | None:
        known = self._verified.get(token)
        if known is None:
            return None
        principal, expires = known
        if self._clock() <= expires + self._leeway:
            return principal
        del self._verified[token]
        raise unauthorized("the token has expired")

    def _check_revoked(self, p: Principal) -> None:
        # After the signature and expiry, before any use: a remembered token is checked too.
        revocations = self.revocations
        if revocations is None:
            return
        if not revocations.trusted():
            raise problems.from_database(RevocationsStale())
        if revocations.refuses(p.token_id, p.family, p.player_id, p.issued_at):
            raise unauthorized("the token has been revoked")

    def _decode(self, token: str) -> tuple[Principal, float]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway,
                # Expiry and issue time are checked below on this object's clock, the one the
                # cache uses too (PyJWT would read the system's).
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise unauthorized("the token is not valid") from None
        role, expires = claims["role"], claims["exp"]
        if role not in ROLES or not isinstance(expires, int) or isinstance(expires, bool):
            raise unauthorized("the token is not valid")
        if not all(isinstance(claims.get(k, ""), str) for k in ("jti", "fam")):
            raise unauthorized("the token is not valid")
        issued = claims["iat"]
        if not isinstance(issued, int | float) or isinstance(issued, bool):
            raise unauthorized("the token is not valid")
        if issued > self._clock() + self._leeway:
            raise unauthorized("the token is not valid yet")
        if self._clock() > expires + self._leeway:
            raise unauthorized("the token has expired")
        principal = Principal(
            player_id=claims["sub"],
            role=role,
            token_id=claims.get("jti"),
            family=claims.get("fam"),
            issued_at=int(issued),
            expires_at=expires,
        )
        return principal, float(expires)


def unauthorized(detail: str) -> NotAuthorizedException:
    """A 401 with the Bearer challenge."""
    return NotAuthorizedException(detail=detail, headers=dict(_CHALLENGE))


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The principal of the request's `Authorization: Bearer` token (kept in the scope), or 401."""
    known = connection.scope.get("user")
    if isinstance(known, Principal):
        return known
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("a bearer token is required")
    tokens: Tokens = connection.app.state.tokens
    principal = tokens.verify(token.strip())
    connection.scope["user"] = principal
    return principal


# Guards rather than an authentication middleware: a guard's 401 is answered inside the route,
# so the request log and metrics (an outer middleware) see the status that was really sent.
# Async on purpose: Litestar runs a sync guard in a worker thread, a hand-off that cost about
# 8% of the CPU of every purchase in the profile (docs/performance.md).
async def require_player(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a valid bearer token (its subject is the only player the route may touch)."""
    await _current(connection)
    principal_of(connection)


async def _current(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    tokens: Tokens = connection.app.state.tokens
    await tokens.current()


async def require_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a valid token that says admin, and the credentials table still does."""
    await _current(connection)
    principal = principal_of(connection)
    if principal.role != "admin":
        raise PermissionDeniedException(detail="this needs an admin account")
    async with pooled(connection.app.state.pool) as conn:
        login = await credentials.by_player(conn, principal.player_id)
    if login is None or login.role != "admin":
        raise PermissionDeniedException(detail="this needs an admin account")
