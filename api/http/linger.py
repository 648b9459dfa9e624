"""A refused body is read to its end before the refusal is sent, so the client can read it.

A client without `Expect: 100-continue` (Python's urllib, curl for small bodies, most game
engines) writes the whole body before it reads a byte of the answer. When the server answers 413
and closes with that body still unread, the kernel resets the connection and the client reports
"connection reset by peer" instead of the 413. nginx avoids this with its lingering close; this
middleware does the same inside the app: before the start of an error answer to a request whose
body was not read to its end, it reads and discards the rest, within a bound of bytes and time.
The ASGI server offers the body only until the answer is complete, so this must happen first.
"""

import asyncio
import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

# Past these, the client is sending too much or too slowly to be worth waiting for: the answer
# goes out and the connection is closed with the rest unread, as before.
MAX_DISCARD_BYTES = 64 * 1024 * 1024
MAX_DISCARD_SECONDS = 10.0
MAX_IDLE_SECONDS = 2.0


def linger_middleware(app: ASGIApp) -> ASGIApp:
    """Wrap `app`: drain an unread request body before an error answer (see module doc)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or _waits_for_continue(scope):
            await app(scope, receive, send)
            return
        state = {"ended": False}

        async def tracked_receive() -> ReceiveMessage:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["ended"] = True
            return message

        async def lingering_send(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and message["status"] >= 400
                and not state["ended"]
                and _declared_length(scope) <= MAX_DISCARD_BYTES
            ):
                await _discard(receive)
                state["ended"] = True
            await send(message)

        await app(scope, tracked_receive, lingering_send)

    return middleware


async def _discard(receive: Receive) -> None:
    """Read and drop the rest of the body, within MAX_DISCARD_BYTES and MAX_DISCARD_SECONDS."""
    deadline = time.monotonic() + MAX_DISCARD_SECONDS
    dropped = 0
    while dropped <= MAX_DISCARD_BYTES:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        try:
            message = await asyncio.wait_for(receive(), min(left, MAX_IDLE_SECONDS))
        except TimeoutError:
            return
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope.get("headers", []) if key == name), None)


def _waits_for_continue(scope: Scope) -> bool:
    # Such a client sends the body only once told to: reading would invite the very upload
    # we refuse.
    return (_header(scope, b"expect") or b"").lower() == b"100-continue"


def _declared_length(scope: Scope) -> int:
    raw = _header(scope, b"content-length")
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0
