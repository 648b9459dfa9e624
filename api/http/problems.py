"""The one place that turns errors into RFC 9457 problem details.

Every error answer is `application/problem+json` with a stable `type` slug (`insufficient-funds`),
a title, the status, a detail and extension members taken from the error's context. Domain
errors map by category; the database being away is a 503 without the driver's text; anything
unexpected is a logged 500 with a generic body.

Every problem also carries `error`, one short sentence for a person: the shipped game client
shows `err.response.data.error` to the player, and RFC 9457 allows extension members.
"""

import traceback
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from litestar.types import Receive, Scope, Send

from api.http.sentences import of_body, of_parameter, sentence
from domain.errors import DomainError
from infra.faults import UNAVAILABLE

_log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"

STATUS_BY_CATEGORY: Mapping[str, int] = {
    "invalid": 400,
    "auth": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "rule": 422,
    "locked": 423,
    "unavailable": 503,
}

# Litestar's own HTTP errors get the same stable slugs as ours.
_HTTP_SLUGS: Mapping[int, tuple[str, str]] = {
    400: ("invalid-request", "The request is malformed or invalid"),
    401: ("unauthorized", "Missing or invalid credentials"),
    403: ("forbidden", "Not allowed for this account"),
    404: ("not-found", "No such resource"),
    405: ("method-not-allowed", "The method is not allowed here"),
    413: ("body-too-large", "The request body is too large"),
    429: ("rate-limited", "Too many requests; retry later"),
}

# The database being away (infra/faults.py): a 503, and no reason to split a group commit.
DB_UNAVAILABLE = UNAVAILABLE

# Every 503 says when to retry: a failover or a restart is over within seconds.
RETRY_LATER = {"Retry-After": "2"}

_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "error"})


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem: extension members (e.g. `balance`, `price`) may follow."""

    type: str
    title: str
    status: int
    detail: str = ""
    error: str = ""  # one sentence for a person (the shipped client shows it to the player)


def slug_of(error: DomainError) -> str:
    """The problem `type` of a domain error: its slug with hyphens."""
    return error.slug.replace("_", "-")


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    extra: Mapping[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    error: str | None = None,
) -> ProblemDetailsException:
    """A problem-details exception, ready to be answered; `error` defaults to the detail."""
    members = {k: v for k, v in (extra or {}).items() if k not in _RESERVED}
    members["error"] = error or sentence(detail or title)
    return ProblemDetailsException(
        status_code=status,
        type_=slug,
        title=title,
        detail=detail,
        extra=members,
        headers=headers,
    )


def not_found(detail: str, said: str) -> ProblemDetailsException:
    """The 404 Litestar's NotFoundException would give, with `said` as its `error`."""
    slug, title = _HTTP_SLUGS[404]
    return problem(404, slug, title, detail, error=said)


def said(error: DomainError) -> str:
    """The sentence a person reads for a domain error: its own, or its detail as one."""
    return error.said or sentence(error.detail or error.title)


def from_domain(error: DomainError) -> ProblemDetailsException:
    """A domain error by its category; its context becomes extension members."""
    status = STATUS_BY_CATEGORY.get(error.category, 422)
    headers = dict(RETRY_LATER) if status == 503 else None  # a stale copy of the roles, say
    return problem(
        status, slug_of(error), error.title, error.detail, error.context, headers, said(error)
    )


def from_http(error: HTTPException) -> ProblemDetailsException:
    """Litestar's HTTP errors (routing, guards, limits, validation) as problems."""
    if isinstance(error, ProblemDetailsException):
        return error
    status = error.status_code
    slug, title = _HTTP_SLUGS.get(status) or _generic(status)
    extra: dict[str, Any] = dict(error.extra) if isinstance(error.extra, Mapping) else {}
    said = None
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        extra["errors"] = error.extra
        said = _first_invalid(error.extra)
        if any(_is_key_header(e) for e in error.extra):
            slug, title = "invalid-idempotency-key", "The idempotency key is not allowed"
            said = "The Idempotency-Key header must be 1 to 128 printable ASCII characters."
    if status == 400 and said is None:  # Litestar's own words (e.g. the JSON parser's)
        said = sentence(title)
    detail = error.detail if error.detail != HTTPStatus(status).phrase else title
    headers = dict(error.headers or {}) or None
    return problem(status, slug, title, detail, extra, headers, error=said)


def from_body(error: Exception) -> ProblemDetailsException:
    """A body that is not JSON or not of the expected shape (types are strict: no coercion)."""
    detail = str(error)
    said = of_body(detail)
    if not isinstance(error, msgspec.ValidationError):  # a ValidationError is a DecodeError too
        said = "The request body is not valid JSON."
    title = "The request body is malformed or invalid"
    return problem(400, "invalid-body", title, detail, error=said)


def from_database(error: Exception) -> ProblemDetailsException:
    """The database is unreachable or timed out: retry later (the driver's words stay here)."""
    _log.warning("database unavailable", error_type=type(error).__name__)
    return problem(
        503,
        "database-unavailable",
        "The database is unavailable",
        "The service cannot reach its database right now; retry shortly.",
        headers=dict(RETRY_LATER),
    )


def from_unexpected(error: Exception) -> ProblemDetailsException:
    """A bug: logged with its traceback, answered without internals."""
    if isinstance(error, HTTPException):
        return from_http(error)
    if isinstance(error, DB_UNAVAILABLE):
        return from_database(error)
    # A formatted traceback, not exc_info: a renderer that shows frame locals would print the
    # request's body, and with it a password.
    trace = "".join(traceback.format_exception(error))
    _log.error("unexpected error", error_type=type(error).__name__, traceback=trace)
    return problem(500, "internal-error", "Internal error", "An unexpected error occurred.")


def as_member(error: Exception) -> dict[str, Any]:
    """A problem as one member of a larger answer (a batch item that failed alone): the type,
    title, detail, status and context it would have as a whole answer."""
    if not isinstance(error, DomainError):  # this item's alone: logged, a 500 for it only
        unexpected = from_unexpected(error)
        return {
            "type": unexpected.type_,
            "title": unexpected.title,
            "detail": unexpected.detail,
            "status": unexpected.status_code,
            "error": sentence(unexpected.detail or ""),
        }
    context = {k: v for k, v in error.context.items() if k not in _RESERVED}
    return {
        "type": slug_of(error),
        "title": error.title,
        "detail": error.detail,
        "status": STATUS_BY_CATEGORY.get(error.category, 422),
        **msgspec.to_builtins(context),
        "error": said(error),
    }


async def answer(
    refusal: ProblemDetailsException, scope: Scope, receive: Receive, send: Send
) -> None:
    """Answer `refusal` from a middleware, before any route runs (outer middleware still log)."""
    request: Request[Any, Any, Any] = Request(scope, receive, send)
    response = refusal.to_response(request).to_asgi_response(app=None, request=request)
    await response(scope, receive, send)


def _mapping() -> dict[type[Exception], Callable[[Any], ProblemDetailsException]]:
    mapping: dict[type[Exception], Callable[[Any], ProblemDetailsException]] = {
        DomainError: from_domain,
        HTTPException: from_http,
        msgspec.ValidationError: from_body,
        msgspec.DecodeError: from_body,
        Exception: from_unexpected,
    }
    for kind in DB_UNAVAILABLE:
        if issubclass(kind, Exception):
            mapping[kind] = from_database
    return mapping


_MAPPING = _mapping()


def to_problem(error: Exception) -> ProblemDetailsException:
    """The problem an error is answered with: its most specific class's mapping above."""
    for kind in type(error).__mro__:
        found = _MAPPING.get(kind)
        if found is not None:
            return found(error)
    return from_unexpected(error)  # pragma: no cover - Exception is in the mapping


def plugin() -> ProblemDetailsPlugin:
    """The Litestar plugin with every mapping above (most specific class wins)."""
    return ProblemDetailsPlugin(ProblemDetailsConfig(exception_to_problem_detail_map=_MAPPING))


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error statuses an operation can answer (503 always)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_describe(status),
            media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted({*statuses, 503})
    }


def _describe(status: int) -> str:
    return _HTTP_SLUGS.get(status, _generic(status))[1]


def _generic(status: int) -> tuple[str, str]:
    phrase = HTTPStatus(status).phrase
    return phrase.lower().replace(" ", "-"), phrase


def _first_invalid(errors: list[Any]) -> str | None:
    # "Validation failed for POST /x" tells a person nothing: name the first refused parameter.
    first = errors[0] if errors and isinstance(errors[0], Mapping) else None
    if first is None or not first.get("key"):
        return None
    source = first.get("source")
    return of_parameter(getattr(source, "value", source), first["key"], first.get("message", ""))


def _is_key_header(error: Any) -> bool:
    # Litestar names the handler's argument (idempotency_key), not the header.
    key = str(error.get("key", "")) if isinstance(error, Mapping) else ""
    return key.replace("_", "-").lower() == "idempotency-key"
