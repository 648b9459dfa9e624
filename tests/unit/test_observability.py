"""The request middleware: ids, and statuses as a client would see them."""

import asyncio

import pytest
from litestar.types import Message, Receive, Scope, Send

from api.http.observability import observability_middleware
from infra import metrics


def _scope(path: str) -> Scope:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "path_template": path,  # type: ignore[typeddict-item]
        "headers": [(b"x-request-id", b"abc-123")],
    }


def _count(route: str, status: str) -> float:
    value = metrics.REGISTRY.get_sample_value(  # type: ignore[attr-defined]
        "gameledger_http_requests_total", {"method": "POST", "route": route, "status": status}
    )
    return value or 0.0


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def test_a_client_that_hangs_up_is_not_counted_as_a_server_error() -> None:
    async def hung_up(scope: Scope, receive: Receive, send: Send) -> None:
        raise asyncio.CancelledError

    before = _count("/gone", "500"), _count("/gone", "499")
    with pytest.raises(asyncio.CancelledError):
        await observability_middleware(hung_up)(_scope("/gone"), _receive, _noop)
    assert (_count("/gone", "500"), _count("/gone", "499")) == (before[0], before[1] + 1)


async def test_the_request_id_is_echoed_and_the_status_counted() -> None:
    sent: list[Message] = []

    async def ok(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def capture(message: Message) -> None:
        sent.append(message)

    before = _count("/made", "201")
    await observability_middleware(ok)(_scope("/made"), _receive, capture)
    assert (b"x-request-id", b"abc-123") in sent[0]["headers"]
    assert _count("/made", "201") == before + 1


async def _noop(message: Message) -> None:
    return None
