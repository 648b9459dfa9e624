"""The one error mapping: categories to statuses, slugs to problem types, no internals leaked."""

import asyncpg
import msgspec
import pytest
import structlog
from litestar.enums import ParamType
from litestar.exceptions import NotAuthorizedException, ValidationException

from api.http import problems
from api.http.schemas import inventory, inventory_key
from domain import (
    account_errors,
    clawback_errors,
    errors,
    escrow_errors,
    receipt_errors,
    shop_errors,
    transfer_errors,
    webhook_errors,
)


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (transfer_errors.InvalidAmount("x"), 400, "invalid-amount"),
        (transfer_errors.InsufficientFunds("x", balance=3, price=10), 422, "insufficient-funds"),
        (shop_errors.UnknownItem("x"), 422, "unknown-item"),
        (account_errors.UnknownReferralCode("x"), 422, "unknown-referral-code"),
        (account_errors.UsernameTaken("x"), 409, "username-taken"),
        (errors.StreamVersionConflict("x"), 409, "version-conflict"),
        (errors.IdempotencyKeyReused("x"), 422, "idempotency-key-reused"),
        (account_errors.UnknownPlayer("x"), 404, "unknown-player"),
        (transfer_errors.AlreadyReversed("x"), 409, "already-reversed"),
        (transfer_errors.TreasuryDepleted("x"), 422, "treasury-depleted"),
    ],
)
def test_domain_errors_map_by_category(error: errors.DomainError, status: int, slug: str) -> None:
    mapped = problems.from_domain(error)
    assert (mapped.status_code, mapped.type_, mapped.title) == (status, slug, error.title)
    assert mapped.extra == {**error.context, "error": "X."}


def test_every_category_has_a_status() -> None:
    families = (
        errors,
        account_errors,
        transfer_errors,
        shop_errors,
        escrow_errors,
        webhook_errors,
        clawback_errors,
        receipt_errors,
    )
    categories = {
        c.category
        for family in families
        for c in vars(family).values()
        if isinstance(c, type) and issubclass(c, errors.DomainError)
    }
    assert categories <= set(problems.STATUS_BY_CATEGORY)


def test_context_cannot_overwrite_the_reserved_members() -> None:
    mapped = problems.from_domain(shop_errors.UnknownItem("x", status=200, type="ok", item="a"))
    assert mapped.extra == {"item": "a", "error": "X."}


def test_context_cannot_overwrite_the_error_sentence() -> None:
    mapped = problems.from_domain(shop_errors.UnknownItem("no such item", error="<b>hi</b>"))
    assert mapped.extra == {"error": "No such item."}


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('10.1.2.3', 5432)"),
        TimeoutError(),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        # Seen on a pooled connection right after its backend was terminated (CI).
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
    ],
)
def test_database_failures_are_503_without_the_driver_text(error: Exception) -> None:
    mapped = problems.from_unexpected(error)
    assert (mapped.status_code, mapped.type_) == (503, "database-unavailable")
    assert mapped.detail == "The service cannot reach its database right now; retry shortly."
    assert mapped.headers == {"Retry-After": "2"}


def test_a_bug_is_a_generic_500() -> None:
    mapped = problems.from_unexpected(KeyError("secret internals"))
    assert (mapped.status_code, mapped.type_) == (500, "internal-error")
    assert "secret" not in mapped.detail


def test_http_errors_keep_their_headers() -> None:
    mapped = problems.from_http(
        NotAuthorizedException("no", headers={"WWW-Authenticate": "Bearer"})
    )
    assert (mapped.status_code, mapped.type_, mapped.headers) == (
        401,
        "unauthorized",
        {"WWW-Authenticate": "Bearer"},
    )


def test_validation_errors_list_what_failed() -> None:
    failure = [{"message": "Expected `int`", "key": "limit", "source": "query"}]
    mapped = problems.from_http(ValidationException("bad", extra=failure))
    assert mapped.type_ == "invalid-request"
    assert mapped.extra == {
        "errors": failure,
        "error": "The query parameter limit must be a whole number.",
    }


def test_body_errors_are_400() -> None:
    try:
        msgspec.json.decode(b'{"a": 1.5}', type=dict[str, int], strict=True)
    except msgspec.ValidationError as error:
        mapped = problems.from_body(error)
    assert (mapped.status_code, mapped.type_) == (400, "invalid-body")


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("gold_coin", "goldCoins"),
        ("treasure_box", "treasureBoxes"),
        ("gem", "gems"),
        ("berry", "berries"),
        ("key", "keys"),
        ("magic_dust_pouch", "magicDustPouches"),
    ],
)
def test_inventory_keys_are_camel_case_plurals(code: str, key: str) -> None:
    assert inventory_key(code) == key


def test_inventory_lists_every_item_and_no_currency() -> None:
    counts = inventory({"diamond": 5, "gem": 2}, ("gem", "key"))
    assert counts == {"gems": 2, "keys": 0}


def test_a_bug_is_logged_without_frame_locals() -> None:
    def handler(password: str) -> None:
        raise KeyError("boom")

    secret = "-".join(("hunter2", "password"))  # only in a local, never in the source lines
    with structlog.testing.capture_logs() as logs:
        try:
            handler(secret)
        except KeyError as error:
            problems.from_unexpected(error)
    assert logs[0]["error_type"] == "KeyError"
    assert "handler" in logs[0]["traceback"]
    assert "hunter2" not in str(logs)


def test_a_refused_parameter_is_named_for_a_person() -> None:
    failure = [{"message": "Expected `int`", "key": "cursor", "source": ParamType.QUERY}]
    mapped = problems.from_http(ValidationException("bad", extra=failure))
    assert mapped.extra["error"] == "The query parameter cursor must be a whole number."


def test_a_refused_idempotency_key_says_what_a_key_may_be() -> None:
    failure = [{"message": "too long", "key": "idempotency_key", "source": ParamType.HEADER}]
    mapped = problems.from_http(ValidationException("bad", extra=failure))
    assert mapped.extra["error"] == (
        "The Idempotency-Key header must be 1 to 128 printable ASCII characters."
    )


def test_a_body_that_is_not_json_says_so() -> None:
    try:
        msgspec.json.decode(b'{"amount":', type=dict[str, int], strict=True)
    except msgspec.DecodeError as error:
        mapped = problems.from_body(error)
    assert mapped.extra["error"] == "The request body is not valid JSON."


def test_a_stale_copy_of_the_roles_is_the_same_503_with_retry_after() -> None:
    # In a failover the roles follower cannot read for a moment (the failover scenario met it):
    # its refusal must tell the client when to retry, like every database-unavailable answer.
    mapped = problems.from_domain(account_errors.RolesUnavailable("the roles could not be read"))
    assert (mapped.status_code, mapped.type_) == (503, "database-unavailable")
    assert mapped.headers == {"Retry-After": "2"}
