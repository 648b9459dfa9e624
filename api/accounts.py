"""Signup and login: the public doors, throttled per address and per account."""

from typing import Any

import structlog
from litestar import Controller, Request, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody

from api.auth import unauthorized
from api.body import StrictBody
from api.problems import responses
from api.schemas import LoginRequest, LoginResponse, SignupRequest, SignupResponse
from api.services import IdempotencyKey, Services, Svc, client_address
from domain.commands import SignUp
from infra import credentials
from infra.db import connection

_log = structlog.get_logger(__name__)


class AccountController(Controller):
    """Open an account and exchange credentials for a bearer token."""

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
        result = await services.ledger.sign_up(
            SignUp(username=data.username, referral_code=data.code),
            password_hash,
            idempotency_key,
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
        summary="Exchange credentials for a bearer token",
        responses=responses(400, 401, 413, 429),
    )
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest], services: Svc
    ) -> LoginResponse:
        """A token for the account; the same 401 whether the username exists or not."""
        address = client_address(request)
        services.throttles.check_login(data.username, address)
        try:
            async with connection(services.pool) as conn:
                login = await credentials.by_username(conn, data.username)
            # Verified even when the account does not exist, so both answers take as long.
            matches = await services.passwords.verify(
                login.password_hash if login else None, data.password
            )
        except BaseException:
            services.throttles.login_aborted(data.username, address)
            raise
        if login is None or not matches:  # check_login already counted the attempt
            raise unauthorized("the username or the password is wrong")
        services.throttles.login_succeeded(data.username, address)
        if services.passwords.needs_rehash(login.password_hash):
            await _rehash(services, login.player_id, data.password)
        issued = services.tokens.issue(login.player_id, login.role)
        _log.info("logged in", player_id=login.player_id)
        return LoginResponse(token=issued.token, expires_in=issued.expires_in)


async def _rehash(services: Services, player_id: str, password: str) -> None:
    # The parameters changed since this hash was made: upgrade it while we hold the password.
    fresh = await services.passwords.hash(password)
    async with connection(services.pool) as conn:
        await credentials.rehash(conn, player_id, fresh)
