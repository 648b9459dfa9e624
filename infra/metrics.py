"""Prometheus metrics. With several worker processes, PROMETHEUS_MULTIPROC_DIR (set by
`gameledger serve`) makes every worker's counters add up in whichever worker is scraped."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter(
    "gameledger_http_requests", "HTTP requests by route and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "gameledger_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
COMMANDS = Counter("gameledger_commands", "Ledger commands by outcome", ["command", "outcome"])
MONITOR_FIRED = Counter(
    "gameledger_monitor_fired", "Monitors that fired (projections/monitors.py)", ["monitor"]
)
CONFLICT_RETRIES = Counter(
    "gameledger_version_conflict_retries",
    "Commands re-decided after losing an expected-version race",
)
PROJECTOR_LAG_EVENTS = Gauge(
    "gameledger_projector_lag_events",
    "Events not yet projected",
    ["projector"],
    multiprocess_mode="mostrecent",
)
PROJECTOR_LAG_SECONDS = Gauge(
    "gameledger_projector_lag_seconds",
    "Age of the oldest event not yet projected",
    ["projector"],
    multiprocess_mode="mostrecent",
)
TREASURY = Gauge(
    "gameledger_treasury_balance",
    "Treasury balance (shards + inflow) per asset",
    ["asset"],
    multiprocess_mode="mostrecent",
)
POOL = Gauge(
    "gameledger_db_pool_connections",
    "Database pool connections by state",
    ["state"],
    multiprocess_mode="livesum",
)


FEED_PUBLISHED = Counter(
    "gameledger_feed_messages",
    "Events published to JetStream, by result (stored, or duplicate dropped by the window)",
    ["result"],
)
REPLICA_FALLBACK = Counter(
    "gameledger_replica_fallback",
    "Reads sent to the primary instead of the standby (READ_DATABASE_URL), by reason: the "
    "standby had not replayed the reader's write in time (wait), lagged (lag) or was down (down)",
    ["reason"],
)
WEBHOOK_ATTEMPTS = Counter(
    "gameledger_webhook_attempts", "Webhook delivery attempts by outcome", ["outcome"]
)


def render() -> bytes:
    """The exposition text of every metric (of all workers in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
