"""Reliability and adversarial scenarios: `python -m harness scenario NAME [--quick]`.

Each scenario drives a real service process (uvicorn on a loopback port) against a real
PostgreSQL, injects its faults, prints its figures and ends with the ledger audit. The registry
names them without importing them, so the command line stays fast and needs httpx only when a
scenario runs.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    """A registered scenario: where its `run(server_dsn, quick)` lives and what it proves."""

    name: str
    module: str
    summary: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("double-spend", "harness.double_spend", "64 racing purchases, 10 affordable"),
    Scenario("conservation", "harness.conservation", "snapshots sum to genesis under load"),
    Scenario("app-kill", "harness.app_kill", "SIGKILL the service during purchases"),
    Scenario("network", "harness.network", "black-hole, reset and latency to PostgreSQL"),
    Scenario("lost-ack", "harness.lost_ack", "commit acknowledgements dropped by a proxy"),
    Scenario("db-crash", "harness.db_crash", "pg_ctl stop -m immediate during writes"),
    Scenario("projector-kill", "harness.projector_kill", "SIGKILL projectors, late commits"),
    Scenario("access", "harness.access", "other players' ids and non-admin tokens"),
    Scenario("abuse", "harness.abuse", "login and signup bursts are throttled"),
    Scenario("hostile", "harness.hostile", "hostile amounts and bodies are refused"),
    Scenario("clock", "harness.clock", "two instances an hour ahead and behind"),
    Scenario(
        "time-travel",
        "harness.time_travel",
        "the service's clock moved past an offer's end and a limit's reset, service up",
    ),
    Scenario("model", "harness.model", "the API equals a model after every step"),
    Scenario("feed", "harness.feed", "JetStream holds every event once, across a SIGKILL"),
    Scenario("feed-cluster", "harness.feed_cluster", "JetStream R3 on three nodes, one SIGKILLed"),
    Scenario("failover", "harness.failover", "Patroni: the primary, then a standby, SIGKILLed"),
    Scenario("economy", "harness.economy", "gifts, trades and settled matches, with a SIGKILL"),
    Scenario(
        "hostile-neighbours",
        "harness.hostile_neighbours",
        "poisoned text, stolen keys, header floods and another server's holds",
    ),
    Scenario(
        "exploit",
        "harness.exploit",
        "a monitor freezes exploiters; a clawback undoes their grants through a SIGKILL",
    ),
)


def find(name: str) -> Scenario:
    """The scenario called `name` (KeyError if none)."""
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    raise KeyError(name)
