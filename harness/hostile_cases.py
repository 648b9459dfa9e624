"""The hostile inputs: each is (label, method, path, raw body or None, extra headers, auth).

Every one must be refused with a 4xx problem and change nothing. Bodies are raw bytes, so the
numbers are exactly as an attacker writes them (a 10,000-digit literal, 2^63, 1.0, -0).
"""

import json
from typing import Any

# Numbers that must never pass for an amount or a quantity, written as JSON text.
BAD_NUMBERS: tuple[str, ...] = (
    "0", "-1", "-0", "1.0", "1e3", '"100"', "true", "false", "null", "[]", "{}", '""',
    str(2**53), str(2**53 + 1), str(2**63), str(2**64), str(-(2**63)), "1" + "0" * 9_999,
    "10001", "NaN", "Infinity", "0x10", "01",
)  # fmt: skip
BAD_STRINGS: tuple[Any, ...] = (
    "", "x" * 10_000, "gold_coin\u0000", "../../etc/passwd", "' OR 1=1 --", "\u202egold_coin",
    {"$ne": None}, ["gold_coin"], 123, None, True,
)  # fmt: skip
BAD_BODIES: tuple[bytes, ...] = (
    b"{", b"null", b"[]", b'"text"', b"123", b"\xff\xfe", b"[" * 60_000,
    b'{"item": ' + b"[" * 30_000,
    b'{"item": "gold_coin", "quantity": 1, "playerId": "someone"}',
    b'{"amount": 5, "extra": {"nested": true}}', b'{"Item": "gold_coin"}',
)  # fmt: skip
OVERSIZED: tuple[bytes, ...] = (
    b'{"item": "' + b"x" * 70_000 + b'"}',
    b'{"amount": 1, "pad": "' + b"y" * 1_000_000 + b'"}',
)
BAD_USERNAMES: tuple[Any, ...] = (
    "ab", "a" * 33, "<script>", "ünïcödé", "admin\u0000", "a b c", None, 123, ["alice"],
)  # fmt: skip
BAD_PASSWORDS: tuple[Any, ...] = ("short", "x" * 129, None, 12345678, "")
# (HTTP clients refuse to send values with spaces at either end, and servers strip them.)
BAD_KEYS: tuple[str, ...] = ("x" * 129, "tab\there", "", "k\x7f", "k\x01")
BAD_QUERIES: tuple[str, ...] = (
    "limit=-1", "limit=0", "limit=1001", f"limit={10**30}", "limit=abc", "limit=1.5",
    "cursor=0", "cursor=-1", "cursor=abc", f"cursor={10**30}", "cursor=1e5",
)  # fmt: skip

Case = tuple[str, str, str, bytes | None, dict[str, str], bool]


def cases() -> list[Case]:
    """Every hostile request (the last item says whether it carries the player's token)."""
    found: list[Case] = []
    for number in BAD_NUMBERS:
        found.append(("amount " + number[:20], "POST", "/top-up", _raw("amount", number), {}, True))
        found.append((
            "quantity " + number[:20], "POST", "/purchase",
            b'{"item": "gold_coin", "quantity": ' + number.encode() + b"}", {}, True,
        ))  # fmt: skip
    for value in BAD_STRINGS:
        body = json.dumps({"item": value}).encode()
        found.append((f"item {str(value)[:20]!r}", "POST", "/purchase", body, {}, True))
    for body in BAD_BODIES:
        for path in ("/purchase", "/top-up", "/signup", "/login"):
            found.append((f"body {body[:20]!r}", "POST", path, body, {}, True))
    for body in OVERSIZED:
        for path in ("/purchase", "/top-up", "/signup", "/login"):
            found.append((f"{len(body):,}-byte body", "POST", path, body, {}, True))
    found += _accounts()
    for key in BAD_KEYS:
        headers = {"Idempotency-Key": key}
        body = b'{"item": "gold_coin"}'
        found.append((f"key {key[:12]!r}", "POST", "/purchase", body, headers, True))
    for query in BAD_QUERIES:
        found.append((query[:24], "GET", f"/history?{query}", None, {}, True))
    for value in ("x" * 10_000, "a.b.c", "Bearer", "Basic dXNlcjpwYXNz", "bearer  x"):
        header = value if " " in value or value == "Bearer" else f"Bearer {value}"
        found.append((f"authorization {value[:12]!r}", "GET", "/balance", None,
                      {"Authorization": header}, False))  # fmt: skip
    return found


def _accounts() -> list[Case]:
    found: list[Case] = []
    for name in BAD_USERNAMES:
        body = json.dumps({"username": name, "password": "long enough password"}).encode()
        found.append((f"username {str(name)[:20]!r}", "POST", "/signup", body, {}, False))
        found.append((f"login {str(name)[:20]!r}", "POST", "/login", body, {}, False))
    for password in BAD_PASSWORDS:
        body = json.dumps({"username": "hostile_user", "password": password}).encode()
        found.append((f"password {str(password)[:12]!r}", "POST", "/signup", body, {}, False))
    # "" and blanks mean "no code" (the shipped client sends "" when the player typed none).
    for code in ("x" * 65, "../", 5, "NOPE"):
        text = json.dumps(
            {"username": "hostile_ref", "password": "long enough", "referralCode": code}
        )
        found.append((f"referral {str(code)[:12]!r}", "POST", "/signup", text.encode(), {}, False))
    return found


def _raw(field: str, number: str) -> bytes:
    return b'{"' + field.encode() + b'": ' + number.encode() + b"}"
