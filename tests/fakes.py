"""Test doubles for the unit level: an in-memory EventStore (domain/ports.py) that enforces
expected versions, so unit tests run the real write side (service/) without a database."""

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

from domain.assets import DEFAULT_CATALOG, Catalog
from domain.commands import EconomyRules
from domain.errors import StreamVersionConflict
from domain.event_base import Event
from domain.events import Transferred
from domain.ledger import Append, Decision
from domain.ports import Credential, IdempotencyRace, IdempotencyRecord, Key, StoredEvent, Write
from infra.config import Settings
from service.bootstrap import bootstrap
from service.ledger import LedgerService

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeEventStore:
    """Streams in memory; an append is all-or-nothing and checks every expected version.

    A session yields to the event loop between its reads and its append (as a database round
    trip would), so commands run concurrently interleave and race like real ones. `refuse`
    stands for a statement PostgreSQL refuses: the error it returns for a write fails the
    whole statement that carries that write.
    """

    def __init__(self) -> None:
        self.streams: dict[str, list[StoredEvent]] = {}
        self.log: list[StoredEvent] = []
        self.keys: dict[Key, IdempotencyRecord] = {}
        self.logins: list[Credential] = []
        self.sessions = 0
        self.statements = 0  # appends tried, rehearsals included
        self.locked: list[Sequence[str]] = []
        self.refuse: Callable[[Write], Exception | None] = lambda write: None

    def version(self, stream: str) -> int:
        """The stream's latest version (0 when it does not exist)."""
        return len(self.streams.get(stream, ()))

    def head(self, stream: str) -> StoredEvent | None:
        """The newest event of a stream."""
        events = self.streams.get(stream)
        return events[-1] if events else None

    def append(self, decision: Decision) -> None:
        """Write a decision directly, or raise StreamVersionConflict and write nothing."""
        self.write([Write(appends=decision.appends, metadata={})])

    def write(self, writes: Sequence[Write], *, keep: bool = True) -> None:
        """Every write's events, keys and logins, or none of them (none either unless `keep`)."""
        self.statements += 1
        for w in writes:
            if (error := self.refuse(w)) is not None:
                raise error
        appends = [a for w in writes for a in w.appends]
        if any(w.record and _key(w.record) in self.keys for w in writes):
            raise IdempotencyRace
        self._check(appends)
        if not keep:
            return
        for append in appends:
            for event in append.events:
                self._write(append.stream, event)
        for w in writes:
            if w.record is not None:
                self.keys[_key(w.record)] = w.record
            if w.login is not None:
                self.logins.append(w.login)

    def transfers(self) -> list[Transferred]:
        """Every transfer in the order it was written."""
        return [s.event for s in self.log if isinstance(s.event, Transferred)]

    @contextlib.asynccontextmanager
    async def session(
        self, locks: Sequence[str] = (), *, rehearsal: bool = False
    ) -> AsyncIterator["FakeSession"]:
        """A session (the locks are recorded: one event loop needs none)."""
        self.sessions += 1
        if locks:
            self.locked.append(locks)
        yield FakeSession(self, rehearsal)

    def _check(self, appends: list[Append]) -> None:
        versions: dict[str, int] = {}
        for append in appends:
            current = versions.get(append.stream, self.version(append.stream))
            if append.expected != current:
                raise StreamVersionConflict("stale", streams=[append.stream])
            versions[append.stream] = current + len(append.events)

    def _write(self, stream: str, event: Event) -> None:
        stored = StoredEvent(
            stream_id=stream,
            version=self.version(stream) + 1,
            global_position=len(self.log) + 1,
            event=event,
            recorded_at=NOW,
        )
        self.streams.setdefault(stream, []).append(stored)
        self.log.append(stored)


class FakeSession:
    """The Session port over a FakeEventStore."""

    def __init__(self, store: FakeEventStore, rehearsal: bool = False) -> None:
        self.store = store
        self.rehearsal = rehearsal
        self.position: int | None = None

    async def load(
        self, streams: Sequence[str], keys: Sequence[Key]
    ) -> tuple[dict[str, StoredEvent], dict[Key, IdempotencyRecord]]:
        """Heads and records, then a yield: a rival may write before this session appends."""
        heads = {s: h for s in streams if (h := self.store.head(s)) is not None}
        records = {k: found for k in keys if (found := self._record(k)) is not None}
        await _yield()
        return heads, records

    def _record(self, key: Key) -> IdempotencyRecord | None:
        # The caller's own record, or one stored before keys had callers (caller ''), as
        # infra/eventstore.py looks them up.
        _, scope, name = key
        return self.store.keys.get(key) or self.store.keys.get(("", scope, name))

    async def latest(self, stream: str) -> StoredEvent | None:
        """The newest event of a stream."""
        return self.store.head(stream)

    async def read_at(self, stream: str, version: int) -> StoredEvent | None:
        """One event by stream and version."""
        events = self.store.streams.get(stream, [])
        return events[version - 1] if 0 < version <= len(events) else None

    async def find_transfer(self, stream: str, transfer_id: str) -> Transferred | None:
        """A transfer of a stream by its id."""
        for stored in self.store.streams.get(stream, []):
            if isinstance(stored.event, Transferred) and stored.event.transfer_id == transfer_id:
                return stored.event
        return None

    async def append(self, writes: Sequence[Write]) -> None:
        """All or nothing, like one statement; a rehearsal's, nothing either way."""
        if self.rehearsal:
            self.store.write(writes, keep=False)
        else:
            self.store.write(writes)


def _key(record: IdempotencyRecord) -> Key:
    return (record.caller, record.scope, record.key)


async def _yield() -> None:
    await asyncio.sleep(0)


def fake_ledger(
    rules: EconomyRules,
    catalog: Catalog = DEFAULT_CATALOG,
    clock: Callable[[], datetime] = lambda: NOW,
) -> tuple[LedgerService, FakeEventStore]:
    """The real write side, built by the composition root, over an in-memory store, with
    deterministic ids (no genesis yet)."""
    store = FakeEventStore()
    numbers = itertools.count(1)
    ledger = bootstrap(
        Settings(economy=rules, group_commit=False),
        store=store,
        catalog=catalog,
        clock=clock,
        new_id=lambda: f"id{next(numbers)}",
    )
    return ledger, store
