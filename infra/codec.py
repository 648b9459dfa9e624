"""Encoding of events to stored rows and back, with upcasters for old schema versions."""

from collections.abc import Callable
from typing import Any

import msgspec

from domain.events import EVENT_TYPES, SCHEMA_VERSION, AnyEvent, Event

# (event_type, stored schema_version) -> pure dict -> dict function that lifts the payload
# one version up. Empty while every stored event is at schema version 1.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AnyEvent)


def encode(event: Event) -> str:
    """The JSON text stored in the payload column; refuses an event it could not read back."""
    data = _encoder.encode(event)
    # Stored events are immutable: one that does not decode (a Decimal from a SQL sum() or a
    # float where an int belongs) would make its stream unreadable forever. Costs ~2 us.
    try:
        _decoder.decode(data)
    except msgspec.ValidationError as error:
        raise ValueError(
            f"refusing to store an unreadable {type(event).__name__}: {error}"
        ) from None
    return data.decode()


def decode(event_type: str, schema_version: int, payload: str) -> Event:
    """The event a stored row holds, upcast to the current schema."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    if schema_version == SCHEMA_VERSION:
        event: Event = _decoder.decode(payload)
        return event
    data = msgspec.json.decode(payload)
    for version in range(schema_version, SCHEMA_VERSION):
        data = UPCASTERS[(event_type, version)](data)
    lifted: Event = msgspec.convert(data, AnyEvent)
    return lifted
