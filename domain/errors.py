"""One error tree for every rule the ledger enforces; the API maps it to problem details.

This module holds the tree's root, `DomainError`, and the refusals any write can meet whatever
its command: a value that cannot be stored, a lost race on a stream, an idempotency key used
again. Each family of rules has its own module beside it (account_errors, transfer_errors,
shop_errors, escrow_errors, webhook_errors, clawback_errors, receipt_errors); the words their
details use for amounts are in domain/wording.py.
"""

from typing import Any, ClassVar


class DomainError(Exception):
    """A request the ledger refuses, with a stable slug and a context for the caller.

    `detail` is the problem's detail, for the developer; `said`, when given, is the sentence a
    person reads (the problem's `error`) where the detail is not one, e.g. where it shows a
    mapping of codes. Without it, the detail itself is the sentence.
    """

    slug: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "The ledger refused the request"
    # invalid -> 400, auth -> 401, forbidden -> 403, not_found -> 404,
    # conflict -> 409, rule -> 422, locked -> 423 (a freeze), unavailable -> 503
    category: ClassVar[str] = "rule"

    def __init__(self, detail: str, *, said: str | None = None, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.said = said
        self.context = context


def check_range(error: type[DomainError], message: str, name: str, value: int, top: int) -> None:
    """Refuse `value` (the request's `name`) with `error` unless it is from 1 to `top`."""
    if not 1 <= value <= top:
        context: dict[str, Any] = {name: value, "minimum": 1, "maximum": top}
        raise error(message, **context)


class StreamVersionConflict(DomainError):
    slug = "version_conflict"
    title = "Another write to the same stream won; try again"
    category = "conflict"


class IdempotencyKeyReused(DomainError):
    slug = "idempotency_key_reused"
    title = "The idempotency key was used with a different request"


class DuplicateIdempotencyKey(DomainError):
    slug = "duplicate_idempotency_key"
    title = "An atomic batch names the same idempotency key twice"


class InvalidText(DomainError):
    slug = "invalid_text"
    title = "The request has text that cannot be stored"
    category = "invalid"


class InvalidInput(DomainError):
    slug = "invalid_input"
    title = "The request has a value that cannot be stored"
    category = "invalid"


class InvalidMetadata(DomainError):
    slug = "invalid_metadata"
    title = "The metadata is not allowed"
    category = "invalid"


class UnknownVersion(DomainError):
    slug = "unknown_version"
    title = "The stream has no such version yet"
    category = "not_found"
