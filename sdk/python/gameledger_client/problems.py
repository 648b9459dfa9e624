"""Errors: RFC 9457 problem documents as typed exceptions, and failures of the network.

Every refusal of the service is `application/problem+json` with a stable `type` slug, a `title`,
the `status`, a `detail` for developers and an `error` sentence for players; most carry more
members (an insufficient-funds problem names the `balance` and the `cost`). Each becomes a
`ProblemError`: the subclass of its slug when the SDK knows it, else the one of its status.
"""

from typing import Any, ClassVar

import msgspec


class GameLedgerError(Exception):
    """Anything the SDK raises."""


class NetworkError(GameLedgerError):
    """No answer came (after the retries the policy allows).

    A write may have been applied anyway: call again with the same `idempotency_key` and the
    service answers the first outcome instead of applying it twice.
    """

    def __init__(self, message: str, idempotency_key: str | None) -> None:
        super().__init__(message)
        self.idempotency_key = idempotency_key


class ProblemError(GameLedgerError):
    """A problem document the service answered."""

    status_code: ClassVar[int | None] = None
    slug: ClassVar[str | None] = None

    def __init__(self, document: dict[str, Any], retry_after: float | None = None) -> None:
        self.document = document
        self.status: int = int(document.get("status", 0))
        self.type: str = str(document.get("type", "about:blank"))
        self.title: str = str(document.get("title", ""))
        self.detail: str = str(document.get("detail", ""))
        self.error: str = str(document.get("error", "")) or self.detail or self.title
        self.retry_after = retry_after
        super().__init__(f"{self.status} {self.type}: {self.error}")

    @property
    def extras(self) -> dict[str, Any]:
        """The members beyond the five standard ones (e.g. `balance`, `cost`, `holdId`)."""
        standard = {"type", "title", "status", "detail", "error"}
        return {k: v for k, v in self.document.items() if k not in standard}


class BadRequest(ProblemError):
    """400: the request is malformed (a field's type, an unknown field, invalid text)."""

    status_code = 400


class Unauthorized(ProblemError):
    """401: no token, a bad or revoked one, or wrong credentials."""

    status_code = 401


class Forbidden(ProblemError):
    """403: the token's role may not do this."""

    status_code = 403


class NotFound(ProblemError):
    """404: an unknown player, item, hold, trade or transfer."""

    status_code = 404


class Conflict(ProblemError):
    """409: the state moved on (a hold no longer pending, a taken username, a version race)."""

    status_code = 409


class Unprocessable(ProblemError):
    """422: a business rule refused the request."""

    status_code = 422


class RateLimited(ProblemError):
    """429: too many requests; `retry_after` says when to come back."""

    status_code = 429


class Unavailable(ProblemError):
    """503: the database is away; retry later."""

    status_code = 503


class InsufficientFunds(Unprocessable):
    """The player's balance does not cover the cost."""

    slug = "insufficient-funds"

    @property
    def balance(self) -> int | None:
        """What the player could spend."""
        value = self.document.get("balance")
        return value if isinstance(value, int) else None

    @property
    def cost(self) -> int | None:
        """What the request would have cost, when the service says."""
        value = self.document.get("cost")
        return value if isinstance(value, int) else None


class IdempotencyKeyReused(Unprocessable):
    """The key was already used for a different request."""

    slug = "idempotency-key-reused"


class HoldNotPending(Conflict):
    """The hold was captured, voided or expired already (`holdStatus` says which)."""

    slug = "hold-not-pending"


class UsernameTaken(Conflict):
    """Another player has this username."""

    slug = "username-taken"


KINDS: tuple[type[ProblemError], ...] = (
    BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unprocessable, RateLimited,
    Unavailable, InsufficientFunds, IdempotencyKeyReused, HoldNotPending, UsernameTaken,
)  # fmt: skip
BY_SLUG = {kind.slug: kind for kind in KINDS if kind.slug}
BY_STATUS = {kind.status_code: kind for kind in KINDS if kind.slug is None}


def problem_from(status: int, body: bytes, reason: str, retry_after: float | None) -> ProblemError:
    """The exception of an error answer (a body that is not a problem document still raises)."""
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        document = None
    if not isinstance(document, dict) or "type" not in document:
        document = {"type": "about:blank", "title": reason, "status": status, "detail": ""}
    document.setdefault("status", status)
    kind = BY_SLUG.get(str(document["type"])) or BY_STATUS.get(status, ProblemError)
    return kind(document, retry_after)
