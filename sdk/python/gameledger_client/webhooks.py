"""Verify the service's webhooks (Standard Webhooks, https://www.standardwebhooks.com).

Each delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature`: one or more
`v1,<base64 HMAC-SHA256>` of `id.timestamp.body`, keyed by the endpoint's secret (`whsec_` and
base64, shown once when the endpoint is registered or its secret rotated). Verify the body
exactly as it arrived, before parsing it; a delivery may come more than once (at least once):
`webhook-id` is the same each time, so keep the ids you handled.
"""

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

import msgspec

from gameledger_client.problems import GameLedgerError

TOLERANCE = 300.0  # seconds a timestamp may be off, either way (replays of old deliveries)
PREFIX = "whsec_"


class WebhookVerificationError(GameLedgerError):
    """The delivery is not from the service, or is too old or too new: answer 400 and drop it."""


class WebhookEvent(msgspec.Struct, frozen=True):
    """A verified delivery: the event key (`transferred.purchase`), when, and the feed's body."""

    id: str
    type: str
    timestamp: str
    data: dict[str, Any]


class _Envelope(msgspec.Struct):
    type: str
    timestamp: str
    data: dict[str, Any]


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,` signature of a delivery (what the service sends)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE,
) -> WebhookEvent:
    """The delivery's event, once its signature and timestamp check out."""
    lower = {name.lower(): value for name, value in headers.items()}
    msg_id, stamp = lower.get("webhook-id"), lower.get("webhook-timestamp", "")
    signatures = lower.get("webhook-signature", "").split()
    if not msg_id or not stamp.isdigit() or not signatures:
        raise WebhookVerificationError("missing or malformed webhook-* headers")
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        raise WebhookVerificationError("the timestamp is outside the tolerance")
    expected = sign(secret, msg_id, int(stamp), body)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise WebhookVerificationError("no signature matches the secret")
    try:
        envelope = msgspec.json.decode(body, type=_Envelope)
    except msgspec.DecodeError as error:
        raise WebhookVerificationError(f"the body is not an event: {error}") from None
    return WebhookEvent(msg_id, envelope.type, envelope.timestamp, envelope.data)


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(PREFIX)
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("the secret is not `whsec_` and base64") from None
