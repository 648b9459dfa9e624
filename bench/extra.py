"""Measurements beyond single requests: batches, one statement per command, rebuild speed and
memory."""

import json
import uuid
from pathlib import Path

from bench import load, servers, workload
from bench.stats import Measure
from infra.config import Settings
from infra.db import create_pool
from projections.rebuild import rebuild
from service.admins import create_admin

SERVICE_SETTINGS = Settings(environment="test")


async def service_account(dsn: str) -> str:
    """A game-server login for the batch endpoint; its username."""
    name = f"bench_server_{uuid.uuid4().hex[:6]}"
    pool = await create_pool(dsn, SERVICE_SETTINGS, min_size=1, max_size=2)
    try:
        await create_admin(pool, SERVICE_SETTINGS, name, workload.PASSWORD, role="service")
    finally:
        await pool.close()
    return name


def batch_body(player_ids: list[str], size: int) -> str:
    """A batch of `size` gold-coin purchases spread over the players."""
    transfers = [
        {"kind": "purchase", "playerId": player_ids[n % len(player_ids)], "item": "gold_coin"}
        for n in range(size)
    ]
    return json.dumps({"transfers": transfers})


BATCH_WINDOW = 2.0  # seconds: the least a batch row measures for


def measure_batches(
    base: str, token: str, player_ids: list[str], seconds: float, size: int = 1000
) -> list[Measure]:
    """Transfers/s through POST /batch/transfers, `size` per request: from one connection, and
    from two at once over disjoint halves of the players (two batches over the same wallets
    would conflict and retry whole, which a game server avoids by partitioning its players)."""
    one = load.lua_rotating(
        "POST", "/batch/transfers", [token], batch_body(player_ids, size), batch=True
    )
    half = len(player_ids) // 2
    bodies = [batch_body(player_ids[:half], size), batch_body(player_ids[half:], size)]
    two = load.lua_batches_per_thread("/batch/transfers", token, bodies)
    # wrk counts only requests that end inside its window: on a loaded machine a quick run's 1 s
    # could end before two concurrent batches did, and the row measured nothing.
    window = max(seconds, BATCH_WINDOW)
    rows = []
    for conns, script, how in ((1, one, "1 conn"), (2, two, "2 conn, disjoint players")):
        rows.append(
            load.run_wrk(
                base + "/batch/transfers",
                script,
                connections=conns,
                seconds=window,
                threads=conns,
                name=f"batch transfers ({size}/request, {how})",
            )
        )
    return rows


def _status(task: Path) -> dict[str, str]:
    try:
        text = (task / "status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _rss(fields: dict[str, str]) -> float:
    return int(fields.get("VmRSS", "0 kB").split()[0]) / 1024


def worker_rss(root_pid: int) -> dict[int, float]:
    """Resident memory (MB) of each uvicorn worker by pid: the children of `root_pid`, or the
    process itself when it serves alone (one worker)."""
    children = {
        int(f["Pid"]): _rss(f)
        for f in map(_status, Path("/proc").glob("[0-9]*"))
        if f.get("PPid", "").strip() == str(root_pid) and "VmRSS" in f
    }
    # With several workers uvicorn also has a small resource-tracker child: keep the workers.
    workers = {pid: size for pid, size in children.items() if size > 20}
    return workers or {root_pid: _rss(_status(Path(f"/proc/{root_pid}")))}


def rss_mb(root_pid: int) -> list[float]:
    """Resident memory (MB) of each uvicorn worker."""
    return list(worker_rss(root_pid).values())


def memory_row(label: str, root_pid: int) -> Measure:
    """RSS of the service's workers as a table row (per_second holds the largest, in MB)."""
    sizes = rss_mb(root_pid) or [0.0]
    return Measure(
        name=f"RSS per worker, {label} (MB)",
        per_second=max(sizes),
        p50_ms=0,
        p95_ms=0,
        p99_ms=0,
        count=len(sizes),
        note="MB, largest worker: " + ", ".join(f"{s:.0f}" for s in sizes),
    )


async def measure_rebuild(dsn: str) -> list[Measure]:
    """Events/s folded by `gameledger rebuild` of each read model over the bench's log."""
    pool = await create_pool(dsn, SERVICE_SETTINGS, min_size=1, max_size=4)
    try:
        reports = await rebuild(pool)
    finally:
        await pool.close()
    return [
        Measure(
            name=f"rebuild {r.name} (events/s)",
            per_second=r.rate,
            p50_ms=0,
            p95_ms=0,
            p99_ms=0,
            count=r.events,
            note=f"{r.seconds:.2f} s",
        )
        for r in reports
    ]


def one_statement_purchases(
    dsn: str,
    env: dict[str, str],
    tokens_for: list[str],
    connections: int,
    seconds: float,
    workers: int,
) -> Measure:
    """Purchases/s with GROUP_COMMIT=false (each command its own statement), same load as the
    plain run (which uses the default: group commit)."""
    solo = {**env, "GROUP_COMMIT": "false"}
    serving = servers.serving(
        "api.http.app:create_app", solo, workers=workers, ready_path="/health"
    )
    with serving as (base, _):
        tokens = workload.login_all(base, tokens_for)
        script = load.lua_rotating("POST", "/purchase", tokens, '{"item":"gold_coin"}')
        return load.run_wrk(
            base + "/purchase",
            script,
            connections=connections,
            seconds=seconds,
            name=f"POST /purchase, GROUP_COMMIT=false ({connections} conn)",
        )
