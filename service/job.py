"""What a command hands the pipeline (a Job) and what the pipeline hands back (an Outcome)."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, cast, get_args

import msgspec

from domain.commands import Command
from domain.errors import DomainError
from domain.events import Transferred
from domain.holds import Actor, Role
from domain.ledger import Decision
from domain.ports import Credential, Key, Session, StoredEvent

R = TypeVar("R", bound=msgspec.Struct)


class Heads:
    """The streams' newest events as one attempt sees them.

    The streams a job names are loaded before it decides (with the idempotency keys, in one
    round trip; the ones it follows from them in one more); any other is read when first
    asked for (an uncommon path: a closed hold's terms). In a group, a decision's appends
    advance the heads, so a later command of the group decides on the state after it.
    """

    def __init__(self, session: Session, loaded: dict[str, StoredEvent | None]) -> None:
        self._session = session
        self._known = loaded

    async def latest(self, stream: str) -> StoredEvent | None:
        """The stream's newest event (None when the stream does not exist)."""
        if stream not in self._known:
            self._known[stream] = await self._session.latest(stream)
        return self._known[stream]

    async def first(self, stream: str) -> StoredEvent | None:
        """The stream's first event (a claim's, which is its only one)."""
        head = await self.latest(stream)
        if head is None or head.version == 1:
            return head
        return await self._session.read_at(stream, 1)

    async def find_transfer(self, stream: str, transfer_id: str) -> Transferred | None:
        """A transfer of the stream by its id."""
        return await self._session.find_transfer(stream, transfer_id)

    def advance(self, decision: Decision, now: datetime) -> None:
        """The heads once `decision` is written (it will be, with the rest of the group)."""
        for append in decision.appends:
            self._known[append.stream] = StoredEvent(
                stream_id=append.stream,
                version=append.expected + len(append.events),
                global_position=0,  # not known before the write; no decision reads it
                event=append.events[-1],
                recorded_at=now,
            )


@dataclass(frozen=True)
class Sender:
    """Who sends a command, beside what it asks (the command): the one convention for what a
    job needs that is no part of the request's fingerprint.

    `id` is the principal (None: the command's scope sends it itself); `role` is how it is
    trusted ("service", "admin", "system"; a signup's: the role of the login it opens); a
    signup's caller is the login it opens, so it carries the `password_hash` too (hashed anew on
    every retry, it must stay out of the fingerprint that guards the key).
    """

    id: str | None = None
    role: str | None = None  # None: the command's usual one
    password_hash: str = ""


def principal(caller: Sender) -> str:
    """The principal a command needs to name (a hold's or a grant's game server)."""
    if caller.id is None:
        raise TypeError("this command needs its caller's id")
    return caller.id


def actor(caller: Sender) -> Actor:
    """The caller as a hold or a settlement names it: account and role (service by default)."""
    role = caller.role or "service"
    if role not in get_args(Role):
        raise TypeError(f"no escrow role {role!r}")
    return Actor(account=principal(caller), role=cast(Role, role))


def _no_streams() -> Sequence[str]:
    return ()


def _no_more(_loaded: Mapping[str, StoredEvent | None]) -> Sequence[str]:
    return ()


def _nothing() -> None:
    return None


@dataclass(eq=False)
class Job(Generic[R]):
    """One command for the pipeline: its key, the streams it reads, and how it decides.

    A job names every stream it reads, in `streams` or (when a stream's name is only known from
    another's event) in `follow`; `decide` gets the loaded heads and returns the decision with
    the result the caller sees (stored under the key). `streams` is asked again on every attempt
    (a top-up's shard may change); `finish` runs once after the last attempt.

    The idempotency key belongs to `caller` (who sent the command) and `scope` (what it acts
    on). The caller is the scope itself unless someone else acts there: a game server's batch
    top-up for a player, an operator's reversal (DESIGN-NOTES note 13).
    """

    command: Command
    scope: str
    key: str | None
    decide: Callable[[Heads], Awaitable[tuple[Decision, R]]]
    result_type: type[R]
    streams: Callable[[], Sequence[str]] = _no_streams
    # The streams named by what `streams` loaded (a trade's players, in its first event): the
    # pipeline loads those of every job of the group in one more round trip, and none when
    # `streams` named them already.
    follow: Callable[[Mapping[str, StoredEvent | None]], Sequence[str]] = _no_more
    login: Credential | None = None
    finish: Callable[[], None] = _nothing
    metadata: dict[str, Any] = field(default_factory=dict)  # stored with its events
    caller: str | None = None  # None: the scope sends its own commands
    # An operator's or the system's correction, which no freeze refuses (service/handlers.py).
    correction: bool = False

    def idempotency(self) -> Key | None:
        """Where the job's key is stored and looked up: (caller, scope, key); None without one."""
        if self.key is None:
            return None
        return (self.caller or self.scope, self.scope, self.key)


@dataclass
class Outcome:
    """What happened to one job: a result, or the error that refused it.

    `error` is a DomainError, or, for a job whose write failed alone for a reason nobody
    foresaw, that exception (answered 500 for this job only). `replayed`: the result is an
    earlier request's, found under the same key; nothing was written for it.
    """

    result: Any = None
    error: DomainError | Exception | None = None
    written: bool = False
    replayed: bool = False
    position: int | None = None  # the log's position after the write (api: `Ledger-Position`)
