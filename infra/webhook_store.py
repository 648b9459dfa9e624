"""The webhook tables: registered endpoints and the outbox of deliveries (SQL beside its owner).

Outbox rows are inserted by the webhook consumer in its cursor's transaction; the dispatcher
then claims due rows with short autocommit statements (a lease, never a transaction held over
HTTP: an open transaction would hold back every reader's horizon).
"""

import uuid
from datetime import datetime

import msgspec

from infra.db import Conn


class Endpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A registered receiver."""

    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    secret: str
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    from_position: int = 1  # deliveries are of the events at or after this log position


class Due(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery claimed for one attempt."""

    id: int
    endpoint_id: uuid.UUID
    url: str
    secret: str
    event_id: str
    body: str
    attempts: int
    deadline: datetime


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery as operators see it."""

    id: int
    endpoint_id: uuid.UUID
    url: str
    event_id: str
    event_key: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


_ENDPOINT = (
    "id, url, events, description, secret, enabled, disabled_reason, created_at, updated_at, "
    "from_position"
)
# No position given: the one after the log's current end, so the past is not delivered.
_CREATE = f"""
INSERT INTO webhook_endpoints (id, url, events, description, secret, from_position)
VALUES ($1, $2, $3, $4, $5,
        coalesce($6, (SELECT coalesce(max(global_position), 0) + 1 FROM events)))
RETURNING {_ENDPOINT}
"""
_LIST = f"SELECT {_ENDPOINT} FROM webhook_endpoints ORDER BY created_at, id"
_ENABLE = f"""
UPDATE webhook_endpoints SET enabled = $2, disabled_reason = $3, updated_at = now()
 WHERE id = $1 RETURNING {_ENDPOINT}
"""
_ROTATE = f"""
UPDATE webhook_endpoints SET secret = $2, updated_at = now() WHERE id = $1 RETURNING {_ENDPOINT}
"""
_DELETE = "DELETE FROM webhook_endpoints WHERE id = $1"
_SUBSCRIBED = "SELECT id, events, from_position FROM webhook_endpoints WHERE enabled"

_INSERT = """
INSERT INTO webhook_deliveries (endpoint_id, event_id, event_key, global_position, body, deadline)
SELECT e, i, k, p, b, now() + make_interval(secs => $6)
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS r(e, i, k, p, b)
ON CONFLICT (endpoint_id, event_id) DO NOTHING
"""

# Claim: push next_attempt_at one lease ahead and count the attempt, in one short statement. A
# dispatcher that dies mid-attempt leaves the row due again when the lease runs out.
_CLAIM = """
UPDATE webhook_deliveries AS d
   SET next_attempt_at = now() + make_interval(secs => $2), attempts = d.attempts + 1
  FROM webhook_endpoints AS e
 WHERE e.id = d.endpoint_id AND d.id IN (
       SELECT w.id FROM webhook_deliveries AS w
         JOIN webhook_endpoints AS x ON x.id = w.endpoint_id AND x.enabled
        WHERE w.status = 'pending' AND w.next_attempt_at <= now()
        ORDER BY w.next_attempt_at, w.id
        LIMIT $1 FOR UPDATE OF w SKIP LOCKED)
RETURNING d.id, d.endpoint_id, e.url, e.secret, d.event_id, d.body, d.attempts, d.deadline
"""
_DELIVERED = """
UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status = $2,
       last_error = NULL WHERE id = $1
"""
_RETRY = """
UPDATE webhook_deliveries SET next_attempt_at = $2, last_status = $3, last_error = $4
 WHERE id = $1 AND status = 'pending'
"""
_FAILED = """
UPDATE webhook_deliveries SET status = 'failed', last_status = $2, last_error = $3 WHERE id = $1
"""
_DELIVERIES = """
SELECT d.id, d.endpoint_id, e.url, d.event_id, d.event_key, d.status, d.attempts, d.last_status,
       d.last_error, d.created_at, d.next_attempt_at, d.delivered_at
  FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
 WHERE ($1::text IS NULL OR d.status = $1) ORDER BY d.id DESC LIMIT $2
"""
_REDELIVER = """
UPDATE webhook_deliveries
   SET status = 'pending', next_attempt_at = now(), deadline = now() + make_interval(secs => $2),
       last_error = NULL, delivered_at = NULL
 WHERE id = $1
"""


def _endpoint(row: object) -> Endpoint:
    return msgspec.convert(dict(row), Endpoint)  # type: ignore[call-overload]


async def create(
    conn: Conn,
    url: str,
    events: list[str],
    description: str | None,
    secret: str,
    from_position: int | None = None,
) -> Endpoint:
    """Register an endpoint, delivering from `from_position` (None: the log's end)."""
    row = await conn.fetchrow(
        _CREATE, uuid.uuid4(), url, events, description, secret, from_position
    )
    return _endpoint(row)


async def endpoints(conn: Conn) -> list[Endpoint]:
    """Every endpoint, oldest first."""
    return [_endpoint(row) for row in await conn.fetch(_LIST)]


async def set_enabled(
    conn: Conn, endpoint_id: uuid.UUID, enabled: bool, reason: str | None = None
) -> Endpoint | None:
    """Enable or disable an endpoint (None if there is none with this id)."""
    row = await conn.fetchrow(_ENABLE, endpoint_id, enabled, None if enabled else reason)
    return _endpoint(row) if row else None


async def rotate(conn: Conn, endpoint_id: uuid.UUID, secret: str) -> Endpoint | None:
    """Replace an endpoint's signing secret."""
    row = await conn.fetchrow(_ROTATE, endpoint_id, secret)
    return _endpoint(row) if row else None


async def delete(conn: Conn, endpoint_id: uuid.UUID) -> bool:
    """Remove an endpoint and its deliveries."""
    return bool(await conn.execute(_DELETE, endpoint_id) == "DELETE 1")


async def subscribed(conn: Conn) -> list[tuple[uuid.UUID, list[str], int]]:
    """(id, event keys, first log position) of each enabled endpoint."""
    rows = await conn.fetch(_SUBSCRIBED)
    return [(r["id"], list(r["events"]), r["from_position"]) for r in rows]


async def enqueue(
    conn: Conn, rows: list[tuple[uuid.UUID, str, str, int, str]], retry: float
) -> None:
    """Outbox rows (endpoint, event id, event key, position, body), retried for `retry` s."""
    if rows:
        columns = [list(column) for column in zip(*rows, strict=True)]
        await conn.execute(_INSERT, *columns, retry)


async def claim(conn: Conn, limit: int, lease: float) -> list[Due]:
    """Up to `limit` due deliveries of enabled endpoints, leased for `lease` seconds."""
    return [msgspec.convert(dict(r), Due) for r in await conn.fetch(_CLAIM, limit, lease)]


async def delivered(conn: Conn, delivery_id: int, status: int) -> None:
    """Record a 2xx."""
    await conn.execute(_DELIVERED, delivery_id, status)


async def retry_at(
    conn: Conn, delivery_id: int, at: datetime, status: int | None, error: str | None
) -> None:
    """Schedule the next attempt."""
    await conn.execute(_RETRY, delivery_id, at, status, error)


async def failed(conn: Conn, delivery_id: int, status: int | None, error: str | None) -> None:
    """Give up on a delivery (it stays listed for redelivery)."""
    await conn.execute(_FAILED, delivery_id, status, error)


async def deliveries(conn: Conn, status: str | None, limit: int) -> list[Delivery]:
    """The newest deliveries, optionally of one status."""
    rows = await conn.fetch(_DELIVERIES, status, limit)
    return [msgspec.convert(dict(r), Delivery) for r in rows]


async def redeliver(conn: Conn, delivery_id: int, retry: float) -> bool:
    """Make a delivery due now, with a fresh retry period."""
    return bool(await conn.execute(_REDELIVER, delivery_id, retry) == "UPDATE 1")
