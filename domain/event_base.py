"""The base of every stored event: a frozen, keyword-only msgspec Struct tagged in the field
`type` with an explicit string (never a class name, which would tie stored rows to import
paths). The events themselves are in domain/events.py and the `*_events` modules beside it."""

import msgspec


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class Event(msgspec.Struct, gc=False, frozen=True, kw_only=True, tag_field="type"):
    """Base of every stored event."""
