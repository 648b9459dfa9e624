"""Encoding of events to stored rows and back, with upcasters for old schema versions."""

from collections.abc import Callable
from typing import Any

import msgspec

from domain.details import DETAILS_OF_CODE, V1_FIELDS, field_names, flat
from domain.event_base import Event
from domain.events import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    AnyEvent,
    Transferred,
    event_type_of,
)

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# The fields a version-1 transfer held flat that version 2 keeps in `details`.
_V1_DETAILS = frozenset(V1_FIELDS) - {
    "transfer_id",
    "code",
    "legs",
    "state_after",
    "occurred_at",
    "mirror",
    "metadata",
}


def transferred_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 transfer as version 2: its kind's fields moved into `details`, by `code`.

    A kind's details are set when any of their fields is (a top-up has them only when it
    repaid a debt); fields another kind would hold were always null and are dropped. It reads
    the variants' field names as version 2 has them: a later change to a variant needs its own
    upcaster from version 2, and this one then keeps the version-2 names written out.
    """
    lifted = {key: value for key, value in data.items() if key not in _V1_DETAILS}
    kind = DETAILS_OF_CODE.get(data.get("code", ""))
    if kind is None:
        return lifted
    fields = {name: data[name] for name in field_names(kind) if data.get(name) is not None}
    if fields:
        tag = kind.__struct_config__.tag
        lifted["details"] = {"kind": tag, **fields}
    return lifted


# (event_type, stored schema_version) -> pure dict -> dict function that lifts the payload
# one version up. A type without an entry at a version is unchanged by it.
UPCASTERS: dict[tuple[str, int], Upcaster] = {("transferred", 1): transferred_v1}

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
    return upcast(event_type, schema_version, msgspec.json.decode(payload))


def upcast(event_type: str, schema_version: int, data: dict[str, Any]) -> Event:
    """The event a payload of `schema_version` (as a dict) holds, lifted to the current one."""
    for version in range(schema_version, SCHEMA_VERSION):
        data = UPCASTERS.get((event_type, version), _unchanged)(data)
    # Back through JSON: the typed decoder is ~4x faster than msgspec.convert on a dict, which
    # a rebuild or audit of a log of version-1 rows feels.
    lifted: Event = _decoder.decode(_encoder.encode(data))
    return lifted


def as_v1(event: Event) -> dict[str, Any]:
    """The event as schema version 1 stored it (JSON-ready, with its `type`): the shape the
    feed, the webhooks and replay show, which `upcast(type, 1, ...)` reads back."""
    if isinstance(event, Transferred):
        return {"type": event_type_of(event), **msgspec.to_builtins(flat(event))}
    shown: dict[str, Any] = msgspec.to_builtins(event)
    return shown


def _unchanged(data: dict[str, Any]) -> dict[str, Any]:
    return data
