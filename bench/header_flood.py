"""How an ASGI server takes oversized request heads: what it answers, its memory, its speed.

    python -m bench.header_flood NAME COMMAND...   (COMMAND serves the app on {PORT})

e.g. `python -m bench.header_flood bounded python -m uvicorn api.http.app:create_app --factory
--port {PORT} --http api.http.server:BoundedHttpProtocol`, with DATABASE_URL and JWT_SECRET set.
Prints one JSON line: the answers to 15 KiB and 17 KiB of headers, a 9 KiB request line and
2 MB of headers; the resident memory of the server's processes before and after 20 requests of
50 MB headers (4 at a time, each one header sent in 64 KiB writes); `GET /health` requests/s
with wrk before and after. docs/performance.md ("Issue 20") has the table.
"""

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time

from bench import extra, load

PORT = int(os.environ.get("FLOOD_PORT", "18931"))
KIB = 1024
CHUNK = b"a" * 64 * KIB


def rss_mb(pid: int) -> float:
    """Resident memory of the server's worker processes, in MB."""
    return round(sum(extra.rss_mb(pid)), 1)


def send(line: bytes, header_bytes: int, one_header: bool = False) -> str:
    """Send a request head with `header_bytes` of headers; the answer's status line."""
    with socket.create_connection(("127.0.0.1", PORT)) as sock:
        sock.settimeout(30)
        refused = ""
        try:
            sock.sendall(line + b"\r\nHost: x\r\n" + (b"X-Flood: " if one_header else b""))
            _write_headers(sock, header_bytes, one_header)
            sock.sendall(b"\r\n\r\n" if one_header else b"\r\n")  # the head's blank line
        except OSError as error:
            refused = f" (send: {type(error).__name__})"
        return _status_line(sock) + refused


def _write_headers(sock: socket.socket, left: int, one_header: bool) -> None:
    n = 0
    while left > 0:
        size = min(left, len(CHUNK) if one_header else KIB)
        sock.sendall(CHUNK[:size] if one_header else b"X-P%d: %s\r\n" % (n, b"a" * (size - 12)))
        left, n = left - size, n + 1


def _status_line(sock: socket.socket) -> str:
    data = b""
    try:
        while b"\r\n" not in data and (part := sock.recv(4096)):
            data += part
    except OSError as error:
        return f"no answer ({type(error).__name__})"
    return data.split(b"\r\n", 1)[0].decode("latin-1") or "closed without an answer"


def wrk() -> int:
    """`GET /health` requests per second over 5 s, 64 connections."""
    url = f"http://127.0.0.1:{PORT}/health"
    script = load.lua_rotating("GET", "/health", ["-"], None)
    return round(load.run_wrk(url, script, connections=64, seconds=5, name="health").per_second)


def measure(pid: int) -> dict[str, object]:
    """Every figure of the module doc, for the server process `pid`."""
    result: dict[str, object] = {
        "15 KiB headers": send(b"GET /health HTTP/1.1", 15 * KIB),
        "17 KiB headers": send(b"GET /health HTTP/1.1", 17 * KIB),
        "9 KiB request line": send(b"GET /health?" + b"q" * 9 * KIB + b" HTTP/1.1", 0),
        "2 MB headers": send(b"GET /health HTTP/1.1", 2048 * KIB),
        "rps before": wrk(),
        "rss before MB": rss_mb(pid),
    }
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        flood = pool.map(lambda _: send(b"GET /health HTTP/1.1", 50 * KIB * KIB, True), range(20))
        result["flood answers"] = sorted(set(flood))
    time.sleep(3)
    result["rss after MB"] = rss_mb(pid)
    result["rps after"] = wrk()
    return result


def main() -> None:
    """Start the command, measure it, stop it."""
    name, command = sys.argv[1], [part.replace("{PORT}", str(PORT)) for part in sys.argv[2:]]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 - the caller's
    try:
        _wait_ready(server)
        print(json.dumps({"server": name, **measure(server.pid)}))
    finally:
        server.terminate()
        server.wait(20)


def _wait_ready(server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if send(b"GET /health HTTP/1.1", 0).startswith("HTTP/1.1 200"):
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    raise SystemExit("the server did not become ready")


if __name__ == "__main__":
    main()
