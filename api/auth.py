"""Bearer tokens (JWT, HS256 pinned) and the guards that check them and the role.

The algorithm is fixed server-side, so a token's own header can never choose `none` or another
key type; `exp`, `iat`, `sub`, `iss` and `aud` are required. A player's token names only that
player (`sub`): no endpoint takes a player id from the client, so no token reaches another
player's data. The admin guard re-reads the role from the database, so a demotion takes
effect at once rather than when the token expires.
"""

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import msgspec
import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from infra import credentials
from infra.config import DATA_DIR, ConfigError, Settings
from infra.db import connection as pooled

_log = structlog.get_logger(__name__)

ALGORITHM = "HS256"
ISSUER = "gameledger"
AUDIENCE = "gameledger-api"
MIN_SECRET_BYTES = 32
ROLES = frozenset({"player", "admin", "service"})
SECRET_FILE = "jwt-secret"  # noqa: S105 - a file name, not a secret
_REQUIRED = ["exp", "iat", "sub", "iss", "aud", "role"]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gameledger"'}


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who a verified token speaks for."""

    player_id: str
    role: str


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    """A signed token and its lifetime in seconds."""

    token: str
    expires_in: int


class Tokens:
    """Issues and verifies access tokens with one secret."""

    def __init__(
        self,
        secret: str,
        ttl_seconds: int,
        leeway: int = 5,
        *,
        clock: Callable[[], float] = time.time,
        cache_size: int = 10_000,
    ) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"JWT_SECRET: at least {MIN_SECRET_BYTES} bytes are required")
        self._secret = secret
        self.ttl = ttl_seconds
        self._leeway = leeway
        self._clock = clock
        # Tokens already verified, with their expiry: a game client sends the same token with
        # every request, and HMAC-verifying and decoding it was ~7% of a purchase's CPU.
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._cache_size = cache_size

    def issue(self, player_id: str, role: str) -> IssuedToken:
        """A token for `player_id` with `role`, valid for the configured lifetime."""
        now = int(self._clock())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": player_id,
            "iat": now,
            "exp": now + self.ttl,
            "jti": secrets.token_urlsafe(12),
            "role": role,
        }
        return IssuedToken(
            token=jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires_in=self.ttl
        )

    def verify(self, token: str) -> Principal:
        """The principal of a valid token, or NotAuthorizedException (never says why in detail)."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if self._clock() <= expires + self._leeway:
                return principal
            del self._verified[token]
            raise unauthorized("the token has expired")
        principal, expires = self._decode(token)
        if len(self._verified) >= self._cache_size:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = (principal, expires)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway,
                # Expiry is checked below on this object's clock, the one the cache uses too.
                options={"require": _REQUIRED, "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise unauthorized("the token is not valid") from None
        role, expires = claims["role"], claims["exp"]
        if role not in ROLES or not isinstance(expires, int) or isinstance(expires, bool):
            raise unauthorized("the token is not valid")
        if self._clock() > expires + self._leeway:
            raise unauthorized("the token has expired")
        return Principal(player_id=claims["sub"], role=role), float(expires)


def unauthorized(detail: str) -> NotAuthorizedException:
    """A 401 with the Bearer challenge."""
    return NotAuthorizedException(detail=detail, headers=dict(_CHALLENGE))


def resolve_secret(settings: Settings, data_dir: Path = DATA_DIR) -> str:
    """The configured secret; in development, one generated once and kept in `data_dir`."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret
    if settings.production:
        raise ConfigError("JWT_SECRET: at least 32 bytes are required in production")
    path = data_dir / SECRET_FILE
    if not path.exists():
        _write_once(path, secrets.token_urlsafe(48))
        _log.warning("JWT_SECRET is not set: generated a development secret", path=str(path))
    return path.read_text().strip()


def _write_once(path: Path, secret: str) -> None:
    # Workers start together: write aside, then link into place, which fails if another won.
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink()


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
    principal_of(connection)


class BearerAuth(AbstractAuthenticationMiddleware):
    """The same check as a middleware, for controllers that still use one (api/batch.py)."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
        """The principal of the request's token, or a 401."""
        return AuthenticationResult(user=principal_of(connection), auth=None)


bearer_auth = DefineMiddleware(BearerAuth)


async def require_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a valid token that says admin, and the credentials table still does."""
    principal = principal_of(connection)
    if principal.role != "admin":
        raise PermissionDeniedException(detail="this needs an admin account")
    async with pooled(connection.app.state.pool) as conn:
        login = await credentials.by_player(conn, principal.player_id)
    if login is None or login.role != "admin":
        raise PermissionDeniedException(detail="this needs an admin account")
