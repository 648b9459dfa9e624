"""`gameledger serve` over real sockets: header limits, no Server header, the metrics port."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest

from harness.server import ServeCommand, free_port, service_env

KIB = 1024


@pytest.fixture
async def served(db_dsn: str) -> AsyncIterator[tuple[ServeCommand, int]]:
    """`gameledger serve` with its metrics on a port of their own; (server, metrics port)."""
    metrics_port = free_port()
    server = ServeCommand(service_env(db_dsn, METRICS_PORT=str(metrics_port), WORKERS="1"))
    await server.start()
    yield server, metrics_port
    await server.kill()
    server.close()


async def exchange(port: int, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send a raw request head; the status, headers and body of the answer (0: none came)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        answer = await reader.read(-1)
    except ConnectionError:
        return 0, {}, b""
    finally:
        writer.close()
    if not answer:
        return 0, {}, b""
    top, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def head(target: str = "/health", header_bytes: int = 0) -> bytes:
    """A GET with about `header_bytes` of headers, in lines of 1 KiB."""
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"X-Pad-{n}: " + "a" * (KIB - 12) for n in range(header_bytes // KIB)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_oversized_heads_are_refused_with_431_and_414_and_15_kib_still_works(
    served: tuple[ServeCommand, int],
) -> None:
    server, _ = served
    assert (await exchange(server.port, head(header_bytes=15 * KIB)))[0] == 200
    status, headers, body = await exchange(server.port, head(header_bytes=17 * KIB))
    assert status == 431
    assert headers["content-type"] == "application/problem+json"
    assert msgspec.json.decode(body)["type"] == "headers-too-large"
    status, _, body = await exchange(server.port, head("/health?" + "q" * 9 * KIB))
    assert status == 414
    assert msgspec.json.decode(body)["type"] == "request-line-too-long"
    # The probe's 2 MB of headers answered 200; now the server stops reading long before.
    assert (await exchange(server.port, head(header_bytes=2048 * KIB)))[0] in (0, 431)


async def test_no_answer_names_the_server_software(served: tuple[ServeCommand, int]) -> None:
    server, _ = served
    async with httpx.AsyncClient(base_url=server.base) as client:
        for path in ("/health", "/no-such-route", "/balance"):
            reply = await client.get(path)
            assert "server" not in reply.headers, (path, reply.headers)
    refused = await exchange(server.port, head(header_bytes=17 * KIB))
    assert "server" not in refused[1]


async def test_metrics_are_served_on_their_own_port_and_only_there(
    served: tuple[ServeCommand, int],
) -> None:
    server, metrics_port = served
    async with httpx.AsyncClient() as client:
        scraped = await client.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert scraped.status_code == 200
        assert "gameledger_http_requests_total" in scraped.text
        on_api_port = await client.get(f"{server.base}/metrics")
        assert on_api_port.status_code == 404
        api_on_metrics_port = await client.get(f"http://127.0.0.1:{metrics_port}/health")
        assert api_on_metrics_port.status_code == 404
        # The hot routes' fast paths (api/http/fast_path.py) keep to the API port as well.
        login = {"username": f"probe_{uuid.uuid4().hex[:12]}", "password": "correct horse battery"}
        signed = await client.post(f"{server.base}/signup", json=login)
        assert signed.status_code == 201, signed.text
        token = (await client.post(f"{server.base}/login", json=login)).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert (await client.get(f"{server.base}/balance", headers=auth)).status_code == 200
        for method, path, body in (
            ("GET", "/balance", None),
            ("POST", "/top-up", {"amount": 5}),
            ("POST", "/purchase", {"item": "gold_coin"}),
        ):
            answer = await client.request(
                method, f"http://127.0.0.1:{metrics_port}{path}", json=body, headers=auth
            )
            assert answer.status_code == 404, (path, answer.text)
        assert (await client.get(f"{server.base}/balance", headers=auth)).json()["balance"] == 0


async def test_an_idle_keep_alive_connection_outlives_a_clients_pool_expiry(
    served: tuple[ServeCommand, int],
) -> None:
    # httpx keeps an idle connection 5 s, as uvicorn did: a request sent at that moment went
    # out on a connection the server was closing, and got no answer (the abuse scenario's 0).
    server, _ = served
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    try:
        for pause in (0.0, 6.0):
            await asyncio.sleep(pause)
            writer.write(request)
            await writer.drain()
            top = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert top.startswith(b"HTTP/1.1 200"), (pause, top)
            length = next(
                int(line.split(b":")[1])
                for line in top.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
    finally:
        writer.close()
