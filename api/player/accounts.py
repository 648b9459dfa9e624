"""Signup, login, refresh and logout: the public doors, throttled per address and per account
(api/http/limits.py)."""

from typing import Any

import structlog
from litestar import Controller, Request, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody

from api.http.auth import require_player, unauthorized
from api.http.problems import responses
from api.http.rooms import BEARER
from api.http.services import Caller, IdempotencyKey, Svc, client_address
from api.http.writes import write_route
from api.player.schemas import (
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    SignupRequest,
    SignupResponse,
)
from domain.commands import SignUp
from service.job import Sender
from service.sessions import Session, SessionRefused

_log = structlog.get_logger(__name__)


class AccountController(Controller):
    """Open an account, exchange credentials for a bearer token, refresh it, end it."""

    path = "/"
    tags = ["accounts"]  # noqa: RUF012 - Litestar reads these class attributes
    cache_control = CacheControlHeader(no_store=True)

    @write_route("/signup", status_code=201, refuses=(400, 409, 413, 422, 429))
    async def signup(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignupRequest],
        services: Svc,
        idempotency_key: IdempotencyKey = None,
    ) -> SignupResponse:
        """Open a player account

        A new player; with `referralCode`, both players receive the referral bonus."""
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

    @write_route("/login", status_code=200, refuses=(400, 401, 413, 429))
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest], services: Svc
    ) -> LoginResponse:
        """Exchange credentials for a bearer token (and, if asked, a refresh token)

        A token for the account; the same 401 whether the username exists or not.
        `refresh: true` adds a rotating refresh token; `accessTtl` shortens the token's life."""
        address = client_address(request)
        throttles = services.throttles
        delay = throttles.check_login(data.username, address)
        try:
            # Before the lookup and the hash, holding no connection; every attempt on a slowed
            # account waits alike, so the wait tells nothing about the password.
            await throttles.slow_down(delay)
            login = await services.sessions.check_password(data.username, data.password)
        except BaseException:
            throttles.login_aborted(data.username, address)
            raise
        if login is None:  # check_login already counted the attempt
            raise unauthorized("the username or the password is wrong")
        throttles.login_succeeded(data.username, address)
        session = await services.sessions.log_in(
            login, data.password, refresh=data.refresh, access_ttl=data.access_ttl
        )
        return _answer(session)

    @write_route("/token/refresh", status_code=200, refuses=(400, 401, 413))
    async def refresh(self, data: JSONBody[RefreshRequest], services: Svc) -> LoginResponse:
        """Exchange a refresh token for a new access token and refresh token

        The next pair; the refresh token presented is used up, and presenting it again
        revokes its whole session (every refresh and access token it led to)."""
        try:
            session = await services.sessions.rotate(data.refresh_token, data.access_ttl)
        except SessionRefused as refused:
            raise unauthorized(refused.detail) from None
        return _answer(session)

    @post(
        "/logout",
        guards=[require_player],
        security=BEARER,
        status_code=204,
        summary="Revoke the bearer token (and its refresh session)",
        responses=responses(401),
    )
    async def logout(self, principal: Caller, services: Svc) -> None:
        """The presented token is refused from now on, by every worker within a second."""
        try:
            await services.sessions.log_out(
                principal.player_id, principal.token_id, principal.family, principal.expires_at
            )
        except SessionRefused as refused:
            raise unauthorized(refused.detail) from None


def _answer(session: Session) -> LoginResponse:
    return LoginResponse(
        token=session.token,
        expires_in=session.expires_in,
        token_type="Bearer",  # noqa: S106 - the scheme, not a secret
        refresh_token=session.refresh_token,
        refresh_expires_in=session.refresh_expires_in,
    )
