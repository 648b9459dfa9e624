"""A write's metadata: the caller's own labels (match id, store order id, support ticket).

Checked once for every command by the pipeline, then stamped on the events the command writes
(every copy of a multi-stream transfer), so history, replay, the feed and the hash chain all
carry it. Decide functions never see it: it labels a write, it never changes one.
"""

import re
from collections.abc import Mapping

import msgspec

from domain.errors import InvalidMetadata
from domain.event_base import Event
from domain.events import PlayerRegistered, Transferred
from domain.ledger import Decision

MAX_KEYS = 16
MAX_VALUE_LENGTH = 256
KEY_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_]{0,31}$"
_KEY = re.compile(KEY_PATTERN)
_KEY_RULE = "a key is a letter, then up to 31 letters, digits or '_'"


def check_metadata(metadata: Mapping[str, object]) -> dict[str, str]:
    """The metadata as stored, or InvalidMetadata naming the first thing wrong with it."""
    if len(metadata) > MAX_KEYS:
        raise InvalidMetadata(
            f"metadata has {len(metadata)} keys; at most {MAX_KEYS} are allowed",
            keys=len(metadata),
            maxKeys=MAX_KEYS,
        )
    for key, value in metadata.items():
        named = f'The metadata key "{key}"'  # the sentence a person reads: no repr
        if not _KEY.match(key):
            said = f"{named} is not allowed: {_KEY_RULE}."
            raise InvalidMetadata(
                f"metadata key {key!r} is not allowed: {_KEY_RULE}", said=said, key=key
            )
        if not isinstance(value, str):
            said = f"{named} needs a string value."
            raise InvalidMetadata(f"metadata value of {key!r} must be a string", said=said, key=key)
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidMetadata(
                f"metadata value of {key!r} has {len(value)} characters; "
                f"at most {MAX_VALUE_LENGTH} are allowed",
                said=f"{named} has a value of {len(value)} characters; "
                f"at most {MAX_VALUE_LENGTH} are allowed.",
                key=key,
                maxLength=MAX_VALUE_LENGTH,
            )
    return dict(metadata)  # type: ignore[arg-type]  # every value was checked to be a str


def stamp(decision: Decision, metadata: Mapping[str, str]) -> Decision:
    """The decision with `metadata` on each of its transfers and registrations."""
    if not metadata:
        return decision
    appends = tuple(
        msgspec.structs.replace(a, events=tuple(_stamped(e, metadata) for e in a.events))
        for a in decision.appends
    )
    return msgspec.structs.replace(decision, appends=appends)


def _stamped(event: Event, metadata: Mapping[str, str]) -> Event:
    if isinstance(event, Transferred | PlayerRegistered):
        return msgspec.structs.replace(event, metadata=dict(metadata))
    return event
