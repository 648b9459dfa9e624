"""Load generation with wrk (C, event-driven: it does not saturate the CPU it shares)."""

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from api.bench.stats import Measure

_DONE = """
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,'
    .. '"p50":%d,"p95":%d,"p99":%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def lua_rotating(method: str, path: str, tokens: list[str], body: str | None) -> str:
    """A wrk script that sends `method path` with a Bearer token rotating over `tokens`."""
    quoted = ",".join(json.dumps(t) for t in tokens) or '""'
    body_lua = json.dumps(body) if body is not None else "nil"
    return (
        f"""
local tokens = {{{quoted}}}
local n = 0
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({{}}):sub(8), 16))
  n = math.random(1, #tokens)
end
request = function()
  n = n + 1
  local headers = {{["Content-Type"] = "application/json"}}
  local t = tokens[(n % #tokens) + 1]
  if t ~= "" then headers["Authorization"] = "Bearer " .. t end
  return wrk.format("{method}", "{path}", headers, {body_lua})
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
    return Measure(
        name=name,
        per_second=ok / (data["duration_us"] / 1e6),
        p50_ms=data["p50"] / 1000,
        p95_ms=data["p95"] / 1000,
        p99_ms=data["p99"] / 1000,
        count=data["requests"],
        errors=data["status_errors"] + data["socket_errors"],
        note=f"client CPU {cpu / (os.cpu_count() or 1):.0%} of the machine",
    )
