"""The scenarios' HTTP client: every call answers a Reply, never raises for a network failure.

A Reply with status 0 is an unknown outcome (connection refused or reset, or the client's own
timeout): the request may or may not have taken effect, so money calls are retried with the
same Idempotency-Key until the service gives a definite answer.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "scenario-password-1"  # noqa: S105 - throwaway players on throwaway databases
# Answers after which a retry with the same key is the right move.
RETRYABLE = frozenset({0, 409, 502, 503, 504})


@dataclass(frozen=True)
class Reply:
    """One HTTP exchange: status 0 when no answer came."""

    status: int
    body: Any
    headers: dict[str, str]
    seconds: float
    error: str = ""

    @property
    def problem_type(self) -> str:
        """The problem details `type`, or ''."""
        return str(self.body.get("type", "")) if isinstance(self.body, dict) else ""


@dataclass(frozen=True)
class Player:
    """A signed-up, logged-in player."""

    user_id: str
    username: str
    referral_code: str
    token: str


class Api:
    """Calls to one service base URL with a per-request timeout."""

    def __init__(self, base: str, timeout: float = 15.0, connections: int = 200) -> None:
        self.base = base
        self.timeout = timeout
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.http = httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits)

    async def __aenter__(self) -> "Api":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        key: str | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """One request; network failures become status 0."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if key is not None:
            sent["Idempotency-Key"] = key
        if content is not None:
            sent.setdefault("Content-Type", "application/json")
        began = time.monotonic()
        try:
            response = await self.http.request(
                method, path, json=json, content=content, headers=sent
            )
        except httpx.HTTPError as error:
            return Reply(0, None, {}, time.monotonic() - began, type(error).__name__)
        return Reply(
            response.status_code,
            _body(response),
            {k.lower(): v for k, v in response.headers.items()},
            time.monotonic() - began,
        )

    async def until_known(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        token: str | None,
        key: str,
        deadline: float = 120.0,
        seen: list[Reply] | None = None,
    ) -> tuple[Reply, int]:
        """Retry with the same key while the outcome is unknown; (last reply, attempts).

        Every reply is appended to `seen` when given.
        """
        give_up = time.monotonic() + deadline
        attempts, pause = 0, 0.05
        while True:
            attempts += 1
            reply = await self.call(method, path, json=json, token=token, key=key)
            if seen is not None:
                seen.append(reply)
            if reply.status not in RETRYABLE or time.monotonic() > give_up:
                return reply, attempts
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    async def player(self, prefix: str, referral_code: str | None = None) -> Player:
        """Sign up and log in a new player (RuntimeError if the service refuses)."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        body: dict[str, Any] = {"username": name, "password": PASSWORD}
        if referral_code is not None:
            body["referralCode"] = referral_code
        created, _ = await self.until_known(
            "POST", "/signup", json=body, token=None, key=f"signup-{name}"
        )
        if created.status != 201:
            raise RuntimeError(f"signup failed: {created.status} {created.body}")
        token = await self.login(name)
        return Player(created.body["userId"], name, created.body["referralCode"], token)

    async def login(self, username: str, password: str = PASSWORD) -> str:
        """A bearer token (RuntimeError if the login fails)."""
        for _ in range(50):
            reply = await self.call(
                "POST", "/login", json={"username": username, "password": password}
            )
            if reply.status == 200:
                return str(reply.body["token"])
            if reply.status not in RETRYABLE:
                break
            await asyncio.sleep(0.2)
        raise RuntimeError(f"login failed: {reply.status} {reply.body}")

    async def fund(self, player: Player, amount: int, step: int = 10_000) -> None:
        """Top up `amount` diamonds in steps the service accepts."""
        while amount > 0:
            part = min(step, amount)
            reply, _ = await self.until_known(
                "POST", "/top-up", json={"amount": part}, token=player.token, key=new_key()
            )
            if reply.status != 200:
                raise RuntimeError(f"top-up failed: {reply.status} {reply.body}")
            amount -= part


def new_key() -> str:
    """A fresh idempotency key."""
    return uuid.uuid4().hex


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
