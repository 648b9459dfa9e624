"""`gameledger serve` with several workers: whichever worker answers a scrape reports the sum.

Each worker counts in its own process; PROMETHEUS_MULTIPROC_DIR (set by `serve`) is what makes
a scrape add them up. Without it, a scrape would see only the share of its own worker.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.server import ServerProcess, service_env
from tests.scenarios.test_lifecycle import ServeCommand

REQUESTS = 60


@pytest.fixture
async def two_workers(db_dsn: str, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    # GAMELEDGER_HOME: the workers' metric files go to this test's folder, not the repository's.
    env = service_env(db_dsn, WORKERS="2", RUN_PROJECTORS="false", GAMELEDGER_HOME=str(tmp_path))
    server = ServeCommand(env)
    await server.start()
    yield server
    await server.stop()
    server.close()


def counter_files(home: Path) -> list[Path]:
    return list(home.glob("metrics-*/counter_*.db"))


def items_served(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "gameledger_http_requests_total" and (
                labels.get("route"),
                labels.get("status"),
            ) == ("/items", "200"):
                return sample.value
    return 0.0


async def test_every_scrape_sums_the_requests_of_all_workers(
    two_workers: ServerProcess, tmp_path: Path
) -> None:
    # No keep-alive: each request is a new connection, which either worker may accept.
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=two_workers.base, timeout=30, limits=limits) as client:
        for _ in range(REQUESTS):
            assert (await client.get("/items")).status_code == 200
        scrapes = [(await client.get("/metrics")).text for _ in range(10)]
    assert [items_served(text) for text in scrapes] == [REQUESTS] * len(scrapes)
    # Both workers wrote their own counters into the shared folder.
    assert len(counter_files(tmp_path)) >= 2
    assert two_workers.process is not None
    await two_workers.stop()
    assert two_workers.process.returncode == 0, two_workers.tail()
