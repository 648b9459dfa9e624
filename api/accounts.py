"""Signup, login, refresh and logout: the public doors, throttled per address and per account
(api/limits.py)."""

from typing import Any

import structlog
from litestar import Controller, Request, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody

from api import sessions
from api.auth import require_player, unauthorized
from api.body import StrictBody
from api.problems import responses
from api.schemas import (
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    SignupRequest,
    SignupResponse,
)
from api.services import Caller, IdempotencyKey, Services, Svc, client_address
from domain.commands import SignUp
from infra import credentials
from infra.db import connection
from service.job import Sender

_log = structlog.get_logger(__name__)


class AccountController(Controller):
    """Open an account, exchange credentials for a bearer token, refresh it, end it."""

    path = "/"
    tags = ["accounts"]  # noqa: RUF012 - Litestar reads these class attributes
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/signup",
        dto=StrictBody[SignupRequest],
        return_dto=None,
        status_code=201,
        summary="Open a player account",
        responses=responses(400, 409, 413, 422, 429),
    )
    async def signup(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignupRequest],
        services: Svc,
        idempotency_key: IdempotencyKey = None,
    ) -> SignupResponse:
        """A new player; with `referralCode`, both players receive the referral bonus."""
        services.throttles.check_signup(client_address(request))
        password_hash = await services.passwords.hash(data.password)
        result = await services.ledger.handle(
            SignUp(username=data.username, referral_code=data.code, metadata=data.metadata),
            idempotency_key,
            Sender(password_hash=password_hash),
        )
        _log.info("signed up", player_id=result.player_id)
        return SignupResponse(
            user_id=result.player_id, username=result.username, referral_code=result.referral_code
        )

    @post(
        "/login",
        dto=StrictBody[LoginRequest],
        return_dto=None,
        status_code=200,
        summary="Exchange credentials for a bearer token (and, if asked, a refresh token)",
        responses=responses(400, 401, 413, 429),
    )
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest], services: Svc
    ) -> LoginResponse:
        """A token for the account; the same 401 whether the username exists or not.
        `refresh: true` adds a rotating refresh token; `accessTtl` shortens the token's life."""
        address = client_address(request)
        throttles = services.throttles
        delay = throttles.check_login(data.username, address)
        try:
            # Before the lookup and the hash, holding no connection; every attempt on a slowed
            # account waits alike, so the wait tells nothing about the password.
            await throttles.slow_down(delay)
            async with connection(services.pool) as conn:
                login = await credentials.by_username(conn, data.username)
            # Verified even when the account does not exist, so both answers take as long.
            matches = await services.passwords.verify(
                login.password_hash if login else None, data.password
            )
        except BaseException:
            throttles.login_aborted(data.username, address)
            raise
        if login is None or not matches:  # check_login already counted the attempt
            raise unauthorized("the username or the password is wrong")
        throttles.login_succeeded(data.username, address)
        if services.passwords.needs_rehash(login.password_hash):
            await _rehash(services, login.player_id, data.password)
        answer = await sessions.open_session(
            services, login, refresh=data.refresh, access_ttl=data.access_ttl
        )
        _log.info("logged in", player_id=login.player_id, refresh=data.refresh)
        return answer

    @post(
        "/token/refresh",
        dto=StrictBody[RefreshRequest],
        return_dto=None,
        status_code=200,
        summary="Exchange a refresh token for a new access token and refresh token",
        responses=responses(400, 401, 413),
    )
    async def refresh(self, data: JSONBody[RefreshRequest], services: Svc) -> LoginResponse:
        """The next pair; the refresh token presented is used up, and presenting it again
        revokes its whole session (every refresh and access token it led to)."""
        return await sessions.rotate(services, data.refresh_token, data.access_ttl)

    @post(
        "/logout",
        guards=[require_player],
        security=[{"bearer": []}],
        status_code=204,
        summary="Revoke the bearer token (and its refresh session)",
        responses=responses(401),
    )
    async def logout(self, principal: Caller, services: Svc) -> None:
        """The presented token is refused from now on, by every worker within a second."""
        await sessions.log_out(services, principal)


async def _rehash(services: Services, player_id: str, password: str) -> None:
    # The parameters changed since this hash was made: upgrade it while we hold the password.
    fresh = await services.passwords.hash(password)
    async with connection(services.pool) as conn:
        await credentials.rehash(conn, player_id, fresh)
