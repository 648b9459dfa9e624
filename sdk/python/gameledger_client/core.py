"""What the async and the blocking client share: calls, the retry policy, tokens, answers.

No I/O here: `aio.py` sends with httpx.AsyncClient, `blocking.py` (generated from it) with
httpx.Client, and both decide the same way.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx
import msgspec

from gameledger_client.models import LoginResponse
from gameledger_client.problems import ProblemError, problem_from

T = TypeVar("T")
RETRIED_STATUSES = frozenset({429, 503})
# Failures before a byte of the request left: resending cannot apply anything twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def new_key() -> str:
    """A fresh idempotency key."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request: what to send, what answers it, and whether it may be sent again."""

    method: str
    path: str
    answer: type[T]
    body: msgspec.Struct | None = None
    params: dict[str, str | int] | None = None
    # The Idempotency-Key header: made once per call, so every retry carries the same one.
    key: str | None = None
    # True when sending it twice cannot do it twice: a read, or a write that carries a key.
    safe: bool = False
    authenticated: bool = True

    def headers(self, token: str | None) -> dict[str, str]:
        """The request's headers."""
        headers = {"accept": "application/json"}
        if self.body is not None:
            headers["content-type"] = "application/json"
        if self.key is not None:
            headers["idempotency-key"] = self.key
        if self.authenticated and token:
            headers["authorization"] = f"Bearer {token}"
        return headers

    def content(self) -> bytes | None:
        """The JSON body."""
        return None if self.body is None else msgspec.json.encode(self.body)

    def decode(self, response: httpx.Response) -> T:
        """The typed answer, or the problem document raised."""
        if response.status_code >= 400:
            raise as_problem(response)
        if not response.content and self.answer is type(None):
            return self.answer()  # None: what a 204 (logout) answers
        return msgspec.json.decode(response.content, type=self.answer)


def read(path: str, answer: type[T], params: dict[str, Any] | None = None) -> Call[T]:
    """A GET (always safe to resend); None parameters are left out."""
    kept = {k: v for k, v in (params or {}).items() if v is not None}
    return Call("GET", path, answer, params=kept or None, safe=True)


def write(
    path: str, answer: type[T], body: msgspec.Struct | None, key: str | None = None
) -> Call[T]:
    """A POST with an idempotency key (the caller's, or a fresh one): safe to resend."""
    return Call("POST", path, answer, body=body, key=key or new_key(), safe=True)


def as_problem(response: httpx.Response) -> ProblemError:
    """The exception of an error answer."""
    wait = retry_after(response.headers.get("retry-after"))
    return problem_from(response.status_code, response.content, response.reason_phrase, wait)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a call is tried again.

    429 is always retried (the service refused before doing anything); 503 and network errors
    only for calls that are safe to resend (reads, and writes with their idempotency key), or
    when the connection was never made. `Retry-After` is honoured; longer than
    `max_retry_after`, the error is raised instead.
    """

    attempts: int = 5  # tries in all, the first included
    backoff: float = 0.2  # seconds before the first retry; doubles each time
    max_backoff: float = 5.0
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def pause(self, attempt: int, asked: float | None = None) -> float:
        """Seconds to wait before try `attempt + 1` (Retry-After wins over the backoff)."""
        if asked is not None:
            return asked
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def after_answer(self, call: Call[Any], attempt: int, error: ProblemError) -> float | None:
        """The pause before retrying a refused call, or None to raise now."""
        if attempt >= self.attempts or error.status not in RETRIED_STATUSES:
            return None
        if error.status == 503 and not call.safe:
            return None
        if error.retry_after is not None and error.retry_after > self.max_retry_after:
            return None
        return self.pause(attempt, error.retry_after)

    def after_failure(self, call: Call[Any], attempt: int, error: httpx.HTTPError) -> float | None:
        """The pause before retrying after no answer came, or None to give up."""
        if attempt >= self.attempts or not isinstance(error, httpx.TransportError):
            return None
        return self.pause(attempt) if call.safe or isinstance(error, NOT_SENT) else None


@dataclass
class Tokens:
    """The session: the access token and, after a login with refresh, its refresh token."""

    access: str | None = None
    refresh: str | None = None

    def take(self, answer: LoginResponse) -> LoginResponse:
        """Keep the tokens of a login or refresh answer."""
        self.access = answer.token
        self.refresh = answer.refresh_token
        return answer
