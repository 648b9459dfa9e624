"""Load generation with wrk (C, event-driven: it does not saturate the CPU it shares)."""

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.stats import Measure

_DONE = """
done = function(summary, latency, requests)
  -- Batch scripts count the transfers each response applied and failed (-1: not a batch).
  local applied, failed = -1, 0
  if counts_batches then
    applied = 0
    for _, t in ipairs(bench_threads) do
      applied = applied + t:get("applied")
      failed = failed + t:get("failed")
    end
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,'
    .. '"p50":%d,"p95":%d,"p99":%d,"applied":%d,"failed":%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), applied, failed))
end
"""
# For POST /batch/transfers: read `applied` and `failed` from every response (the endpoint
# answers 200 even when some transfers of the batch were refused).
_BATCH_COUNTS = """
counts_batches = true
applied = 0
failed = 0
response = function(status, headers, body)
  applied = applied + (tonumber(string.match(body, '"applied":(%d+)')) or 0)
  failed = failed + (tonumber(string.match(body, '"failed":(%d+)')) or 0)
end
"""


Call = tuple[str, str, str | None]  # method, path, JSON body

_HEADERS = """
local headers_for = function(t)
  local headers = {["Content-Type"] = "application/json"}
  if t ~= "" then headers["Authorization"] = "Bearer " .. t end
  return headers
end
"""
# Each thread gets an index (`setup` runs once per thread, in wrk's main Lua state).
_THREADS = """
bench_threads = {}
setup = function(thread)
  table.insert(bench_threads, thread)
  thread:set("thread_index", #bench_threads)
end
"""
# Thread i of k sends as the players i, i+k, i+2k, ... (k comes as the script's argument): a
# game client sends one player's requests one at a time, so at 64 connections over 200 players
# no two requests of one player are in flight together. When both threads rotated over all the
# players from random starting points, their windows of in-flight players met, and the service
# lost 1.2-3.5 version races per 1,000 purchases at 64 connections; 0-0.1 with the players
# split (docs/performance.md, session 11). At 256 connections a thread's 128 connections still
# rotate over its 100 players: the case of a player with two requests in flight stays measured.
_INIT = (
    _THREADS
    + """
local n = 0
local prefix = ""
init = function(args)
  local count = tonumber(args[1]) or 1
  local mine = {}
  for i = thread_index or 1, #tokens, count do
    table.insert(mine, tokens[i])
  end
  if #mine > 0 then
    tokens = mine
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  n = math.random(1, #tokens)
  prefix = string.format("bench-%d-%d-", os.time(), math.random(1, 1073741824))
end
"""
)


def _lua_string(value: str | None) -> str:
    return json.dumps(value) if value is not None else "nil"


def _tokens(tokens: list[str]) -> str:
    return "local tokens = {" + (",".join(json.dumps(t) for t in tokens) or '""') + "}\n"


def lua_rotating(
    method: str,
    path: str,
    tokens: list[str],
    body: str | None,
    *,
    idempotent: bool = False,
    batch: bool = False,
) -> str:
    """A wrk script that sends `method path` with a Bearer token rotating over `tokens`; with
    `idempotent`, each request also carries its own Idempotency-Key, as a game client sends;
    with `batch`, the transfers each batch response applied and failed are counted."""
    key = 'headers["Idempotency-Key"] = prefix .. n' if idempotent else ""
    return (
        (_BATCH_COUNTS if batch else "")
        + _tokens(tokens)
        + _HEADERS
        + _INIT
        + f"""
request = function()
  n = n + 1
  local headers = headers_for(tokens[(n % #tokens) + 1])
  {key}
  return wrk.format("{method}", "{path}", headers, {_lua_string(body)})
end
"""
        + _DONE
    )


def lua_mixed(calls: list[Call], tokens: list[str]) -> str:
    """A wrk script that cycles through `calls`, the token rotating as in `lua_rotating`."""
    entries = ",".join(
        f'{{"{method}", "{path}", {_lua_string(body)}}}' for method, path, body in calls
    )
    return (
        _tokens(tokens)
        + _HEADERS
        + _INIT
        + f"""
local calls = {{{entries}}}
request = function()
  n = n + 1
  local call = calls[(n % #calls) + 1]
  return wrk.format(call[1], call[2], headers_for(tokens[(n % #tokens) + 1]), call[3])
end
"""
        + _DONE
    )


def lua_batches_per_thread(path: str, token: str, bodies: list[str]) -> str:
    """A wrk script whose thread i posts the batch `bodies[i]` (one connection per thread),
    counting the transfers applied and failed."""
    quoted = ",".join(json.dumps(b) for b in bodies)
    return (
        _BATCH_COUNTS
        + _HEADERS
        + _THREADS
        + f"""
local bodies = {{{quoted}}}
local body = nil
init = function(args)
  body = bodies[thread_index]
end
request = function()
  return wrk.format("POST", "{path}", headers_for({json.dumps(token)}), body)
end
"""
        + _DONE
    )


def run_wrk(
    url: str, script: str, *, connections: int, seconds: float, name: str, threads: int = 2
) -> Measure:
    """Drive `url` with wrk; throughput, latency percentiles and wrk's CPU share."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does it)")
    path = Path(tempfile.gettempdir()) / f"gameledger-bench-{os.getpid()}.lua"
    path.write_text(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - fixed argv, loopback target
        [
            wrk,
            "-t",
            str(min(threads, connections)),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            path,
            url,
            "--",
            str(min(threads, connections)),  # the script's `init(args)`: how many threads
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    path.unlink()
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stderr.strip() or result.stdout.strip()}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall
    ok = data["requests"] - data["status_errors"]
    errors = data["status_errors"] + data["socket_errors"]
    note = f"client CPU {cpu / (os.cpu_count() or 1):.0%} of the machine"
    if data["applied"] >= 0:  # a batch: count transfers, and refused transfers as errors
        ok, errors = data["applied"], errors + data["failed"]
        note += "; per_second counts applied transfers"
    return Measure(
        name=name,
        per_second=ok / (data["duration_us"] / 1e6),
        p50_ms=data["p50"] / 1000,
        p95_ms=data["p95"] / 1000,
        p99_ms=data["p99"] / 1000,
        count=data["requests"],
        errors=errors,
        note=note,
    )
