"""The event store as the write side sees it: a port (Protocol) that infra/ implements over
PostgreSQL and tests/fakes.py implements in memory, with the records that cross it."""

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

import msgspec

from domain.event_base import Event
from domain.events import Transferred
from domain.ledger import Append


# gc=False: plain values that never hold a cycle, which the collector then never walks (it
# had walked every event, command and answer of the hot paths; issue 22, session 11).
class StoredEvent(msgspec.Struct, gc=False, frozen=True, kw_only=True):
    """An event as read back from the log."""

    stream_id: str
    version: int
    global_position: int
    event: Event
    recorded_at: datetime


class IdempotencyRecord(msgspec.Struct, gc=False, frozen=True, kw_only=True):
    """What is stored with the events under a caller's idempotency key.

    A key belongs to who sent it (`caller`) and to what it acts on (`scope`): a player's key
    never answers for a game server's write on that player, nor the reverse (note 13).
    """

    caller: str
    scope: str
    key: str
    fingerprint: str
    response: str


class Credential(msgspec.Struct, frozen=True, kw_only=True):
    """A login identity: never serialised into events, logs or admin views."""

    player_id: str
    username: str
    password_hash: str
    role: str


class IdempotencyRace(Exception):
    """Another request with the same key committed first; re-read its record."""


class Write(msgspec.Struct, frozen=True, kw_only=True):
    """One command's share of a write: its appends, its key's record and, for a signup, a login.

    `metadata` is stored with every event of `appends`.
    """

    appends: tuple[Append, ...]
    metadata: dict[str, Any]
    record: IdempotencyRecord | None = None
    login: Credential | None = None


Key = tuple[str, str, str]  # (caller, scope, idempotency key)


class Session(Protocol):
    """Reads and one write over one connection (inside the locks the session was opened with)."""

    # The log's position once the session's write has committed (set as the session ends; None
    # before that, or from a store without positions): the write's `Ledger-Position`.
    position: int | None

    async def load(
        self, streams: Sequence[str], keys: Sequence[Key]
    ) -> tuple[dict[str, StoredEvent], dict[Key, IdempotencyRecord]]:
        """The heads of the streams that exist and the records under the keys, in one trip."""
        ...

    async def latest(self, stream: str) -> StoredEvent | None:
        """The newest event of a stream."""
        ...

    async def read_at(self, stream: str, version: int) -> StoredEvent | None:
        """One event by stream and version."""
        ...

    async def find_transfer(self, stream: str, transfer_id: str) -> Transferred | None:
        """A transfer of a stream by its id."""
        ...

    async def append(self, writes: Sequence[Write]) -> None:
        """Write everything in one statement, or raise StreamVersionConflict / IdempotencyRace."""
        ...


class EventStore(Protocol):
    """Opens sessions; `locks` names advisory locks held (in order) until the session ends."""

    def session(
        self, locks: Sequence[str] = (), *, rehearsal: bool = False
    ) -> AbstractAsyncContextManager[Session]:
        """A session on one connection; with locks, one transaction holding them.

        A rehearsal's writes are all undone when it ends: it tells whether a write would fail,
        and how, without keeping anything (an atomic group looking for the job that fails it).
        """
        ...


class Overdue(Protocol):
    """The escrows and lots whose expiry has passed, oldest first. The read side answers from
    its holds, trades and lots read models, so the expirer (the write side) holds none of their
    SQL."""

    async def holds(self, now: datetime, limit: int) -> list[str]:
        """Pending holds due at `now`."""
        ...

    async def trades(self, now: datetime, limit: int) -> list[str]:
        """Open trade offers due at `now`."""
        ...

    async def lots(self, now: datetime, limit: int) -> list[str]:
        """Players holding a lot of an expiring currency due at `now`."""
        ...
