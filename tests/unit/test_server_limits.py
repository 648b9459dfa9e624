"""The server's head counting (api/http/server.py), chunk by chunk as the socket delivers them."""

from api.http.server import BoundedHttpProtocol

KIB = 1024


def counter(limit: int = 16 * KIB) -> BoundedHttpProtocol:
    """The protocol's counting state alone (no transport, no parser)."""
    protocol = object.__new__(BoundedHttpProtocol)
    protocol.max_head = limit
    protocol._expect_head()
    return protocol


def feed(protocol: BoundedHttpProtocol, data: bytes, size: int) -> int | None:
    """Deliver `data` in chunks of `size`; the first refusal, if any."""
    for start in range(0, len(data), size):
        refusal = protocol._too_long(data[start : start + size])
        if refusal is not None or not protocol.in_head:
            return refusal
    return None


def request(header_bytes: int, target: str = "/health", body: bytes = b"") -> bytes:
    pads = b"".join(b"X-P%d: %s\r\n" % (n, b"a" * (KIB - 12)) for n in range(header_bytes // KIB))
    return f"POST {target} HTTP/1.1\r\nHost: x\r\n".encode() + pads + b"\r\n" + body


def test_a_head_within_the_limit_passes_however_it_is_cut() -> None:
    for size in (1, 7, 1000, 65536):
        assert feed(counter(), request(15 * KIB), size) is None


def test_a_head_over_the_limit_is_refused_with_431_whatever_the_chunks() -> None:
    for size in (100, 4096, 65536, 1 << 20):
        assert feed(counter(), request(17 * KIB), size) == 431
    assert feed(counter(), request(50 * KIB * KIB), 65536) == 431


def test_a_long_request_line_is_refused_with_414() -> None:
    for size in (512, 65536):
        assert feed(counter(), request(0, "/h?" + "q" * 9 * KIB), size) == 414
    assert feed(counter(), request(0, "/h?" + "q" * 8000), 512) is None


def test_a_body_in_the_same_chunk_as_the_head_is_not_counted() -> None:
    assert feed(counter(), request(1 * KIB, body=b"x" * 60 * KIB), 65536) is None
    # The blank line that ends the head straddles two chunks.
    data = request(14 * KIB, body=b"x" * 60 * KIB)
    end = data.index(b"\r\n\r\n") + 3
    protocol = counter()
    assert protocol._too_long(data[:end]) is None
    assert protocol._too_long(data[end:]) is None
    assert not protocol.in_head
