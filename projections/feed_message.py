"""What the feed says about an event: its stable id, its subject and its JSON body.

The same body goes to JetStream and, wrapped in a Standard Webhooks envelope, to webhooks.
Keys are camelCase like the API's; the event appears as the history shows it (legs as objects,
the balance after the transfer), so a consumer needs none of the stored formats.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from domain.assets import CURRENCY
from domain.event_base import Event
from domain.events import Transferred, event_type_of
from infra import codec, eventstore_reads
from infra.broker import Message
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.views import Leg

_encode = msgspec.json.Encoder().encode


def event_id(stream_id: str, version: int) -> str:
    """The event's stable id: its stream and version (the log's own key), e.g. `player:…@3`."""
    return f"{stream_id}@{version}"


def parse_event_id(value: str) -> tuple[str, int] | None:
    """(stream id, version) of an id made by `event_id`; None for anything else."""
    stream_id, at, version = value.rpartition("@")
    if not at or not stream_id or not version.isdigit():
        return None
    return stream_id, int(version)


def stream_kind(stream_id: str) -> str:
    """The stream's kind: what its id says before the first colon (`player`, `treasury`)."""
    return stream_id.split(":", 1)[0]


def event_key(event: Event) -> str:
    """`<event type>[.<code>]`: what subjects end with and webhooks subscribe to."""
    kind = event_type_of(event)
    return f"{kind}.{event.code}" if isinstance(event, Transferred) else kind


def subject(prefix: str, stored: StoredEvent) -> str:
    """`<prefix>.<stream kind>.<event type>[.<code>]`.

    For example `gameledger.player.transferred.purchase`.
    """
    return f"{prefix}.{stream_kind(stored.stream_id)}.{event_key(stored.event)}"


def event_view(stored: StoredEvent) -> dict[str, Any]:
    """The event's fields in camelCase, as the history shows a transfer."""
    # A transfer keeps its schema-version-1 shape (its details flat): what consumers received
    # before version 2 (docs/feed.md).
    fields = codec.as_v1(stored.event)
    fields.pop("type", None)
    view = {_camel(key): value for key, value in fields.items()}
    if isinstance(stored.event, Transferred):
        view["legs"] = msgspec.to_builtins(
            [Leg(leg.account, leg.asset, leg.amount) for leg in stored.event.legs]
        )
        view["balanceAfter"] = stored.event.state_after.get(CURRENCY, 0)
    return view


def body(stored: StoredEvent, metadata: dict[str, Any]) -> dict[str, Any]:
    """The message body as a dict (see docs/feed.md for the schema)."""
    occurred: datetime = getattr(stored.event, "occurred_at", stored.recorded_at)
    return {
        "id": event_id(stored.stream_id, stored.version),
        "globalPosition": stored.global_position,
        "streamId": stored.stream_id,
        "streamKind": stream_kind(stored.stream_id),
        "version": stored.version,
        "eventType": event_key(stored.event),
        "event": event_view(stored),
        "metadata": metadata,
        "occurredAt": occurred,
        "recordedAt": stored.recorded_at,
    }


async def metadata_of(conn: Conn, events: Sequence[StoredEvent]) -> dict[int, dict[str, Any]]:
    """Each event's metadata (who asked, through what) by global position."""
    return await eventstore_reads.metadata_at(conn, [e.global_position for e in events])


async def messages(conn: Conn, events: Sequence[StoredEvent], prefix: str) -> list[Message]:
    """The feed's messages for a batch, in the batch's order."""
    meta = await metadata_of(conn, events)
    return [
        Message(
            subject=subject(prefix, e),
            msg_id=event_id(e.stream_id, e.version),
            body=_encode(body(e, meta.get(e.global_position, {}))),
        )
        for e in events
    ]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
