"""The fault proxy reads a write's idempotency keys from its Bind message (wire.py)."""

import struct

from harness.wire import bind_parameters, text_array

TEXT_OID = 25


def binary_text_array(items: list[str]) -> bytes:
    head = struct.pack("!iiiii", 1, 0, TEXT_OID, len(items), 1)
    return head + b"".join(struct.pack("!i", len(i)) + i.encode() for i in items)


def bind_body(values: list[bytes | None]) -> bytes:
    body = struct.pack("!hh", 1, 1) + struct.pack("!h", len(values))
    for value in values:
        body += struct.pack("!i", -1) if value is None else struct.pack("!i", len(value)) + value
    return body + struct.pack("!h", 0)


def test_the_keys_of_a_group_are_read_from_its_parameter() -> None:
    keys = binary_text_array(["k-1", "k-2", "k-3"])
    params = bind_parameters(bind_body([b"x", None, keys]))
    assert params[:2] == [b"x", None]
    assert text_array(params[2]) == ["k-1", "k-2", "k-3"]


def test_no_keys_is_an_empty_array_or_null() -> None:
    assert text_array(struct.pack("!iii", 0, 0, TEXT_OID)) == []
    assert text_array(None) == []
    assert text_array(b"{k-1,k-2}") == ["k-1", "k-2"]
