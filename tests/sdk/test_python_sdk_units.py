"""The Python SDK's pure parts (sdk/python): webhook verification against the service's own
signer, and the retry policy's decisions."""

from datetime import UTC, datetime

import httpx
import pytest
from gameledger_client import (
    ProblemError,
    RetryPolicy,
    WebhookVerificationError,
    core,
    models,
    verify,
)
from standardwebhooks import Webhook


def test_a_tampered_or_stale_webhook_is_refused() -> None:
    secret = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtMTIz"
    body = b'{"type":"transferred.settlement","timestamp":"2026-12-04T00:00:00Z","data":{}}'
    headers = {"webhook-id": "m@1", "webhook-timestamp": "1800000000"}
    headers["webhook-signature"] = service_signature(secret, headers, body)
    assert verify(secret, headers, body, now=1800000000).type == "transferred.settlement"
    for changed, now in ((body.replace(b"{}", b'{"x":1}'), 1800000000), (body, 1800000400)):
        with pytest.raises(WebhookVerificationError):
            verify(secret, headers, changed, now=now)


def service_signature(secret: str, headers: dict[str, str], body: bytes) -> str:
    """The signature the service's own signer (standardwebhooks) makes."""
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    signature: str = Webhook(secret).sign(headers["webhook-id"], at, body.decode())
    return signature


def test_the_policy_retries_what_cannot_apply_twice_and_honours_retry_after() -> None:
    policy = RetryPolicy(attempts=3)
    keyed = core.write("/purchase", models.PurchaseResponse, None)
    unkeyed = core.Call("POST", "/token/refresh", models.LoginResponse)

    def refusal(status: int, wait: str | None = None) -> ProblemError:
        headers = {"retry-after": wait} if wait else {}
        return core.as_problem(httpx.Response(status, headers=headers, content=b"{}"))

    assert policy.after_answer(keyed, 1, refusal(429, "2")) == 2.0
    assert policy.after_answer(unkeyed, 1, refusal(429, "1")) == 1.0  # refused before running
    assert policy.after_answer(unkeyed, 1, refusal(503)) is None  # it may have run
    assert policy.after_answer(keyed, 1, refusal(503)) is not None
    assert policy.after_answer(keyed, 1, refusal(429, "3600")) is None  # too long: raised
    assert policy.after_answer(keyed, 3, refusal(429, "1")) is None  # attempts used up
    assert policy.after_answer(keyed, 1, refusal(422)) is None
    lost = httpx.RemoteProtocolError("server disconnected")
    assert policy.after_failure(keyed, 1, lost) is not None
    assert policy.after_failure(unkeyed, 1, lost) is None
    assert policy.after_failure(unkeyed, 1, httpx.ConnectError("refused")) is not None
    now = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
    assert core.retry_after("Fri, 04 Dec 2026 12:00:30 GMT", now) == 30.0
