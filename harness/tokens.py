"""Tokens an attacker might present: none, forged, expired, or with a role the account lacks."""

import base64
import json
import time
from typing import Any

import jwt

from api.http.auth import ALGORITHM, AUDIENCE, ISSUER
from harness.server import JWT_SECRET


def _claims(subject: str, role: str, issued: int, lifetime: int) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "iat": issued,
        "exp": issued + lifetime,
        "role": role,
    }


def unsigned(subject: str, role: str = "admin") -> str:
    """`alg: none`: no signature at all."""
    head = {"alg": "none", "typ": "JWT"}
    parts = [_b64(head), _b64(_claims(subject, role, int(time.time()), 600)), ""]
    return ".".join(parts)


def wrong_key(subject: str, role: str = "admin") -> str:
    """Signed with a key that is not the service's."""
    return jwt.encode(_claims(subject, role, int(time.time()), 600), "k" * 48, algorithm=ALGORITHM)


def expired(subject: str) -> str:
    """The service's key, expired an hour ago (far past any leeway)."""
    return jwt.encode(
        _claims(subject, "player", int(time.time()) - 7200, 3600), JWT_SECRET, algorithm=ALGORITHM
    )


def claims_admin(subject: str) -> str:
    """The service's key, claiming a role the account does not have (a stolen signing key, or
    a token minted before a demotion): the admin guard must re-check the account."""
    return jwt.encode(
        _claims(subject, "admin", int(time.time()), 600), JWT_SECRET, algorithm=ALGORITHM
    )


def at(subject: str, issued: float, expires: float) -> str:
    """The service's key, with `iat` and `exp` exactly as given (epoch seconds)."""
    claims = {**_claims(subject, "player", int(issued), 0), "exp": int(expires)}
    return jwt.encode(claims, JWT_SECRET, algorithm=ALGORITHM)


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
