"""Escrow jobs (domain/escrow.py): what opening and closing a hold or a trade share. A close
loads the escrow's stream (its terms and its outcome), lets the use decide on it and its
parties' streams, and answers with the escrow as the closing transfer leaves it. Every close
appends the escrow's version 2, so exactly one wins; the losers re-decide on the winner's
outcome and are refused by the use's open check."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from domain import accounts
from domain.commands import Command
from domain.escrow import OPENED_VERSION
from domain.escrow_events import HoldPlaced, TradeOffered
from domain.event_base import Event
from domain.ledger import Decision
from domain.ports import StoredEvent
from service.context import Context
from service.job import Heads, Job

S = TypeVar("S")  # the escrow's state (HoldState, TradeState)
R = TypeVar("R", bound=msgspec.Struct)  # what the caller sees of it
E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class EscrowJobs(Generic[S, R]):
    """How one use of escrow is read and answered."""

    stream: Callable[[str], str]  # its id -> its stream (accounts.hold_account)
    state: Callable[[str, StoredEvent | None, StoredEvent | None], S]  # (id, first, newest)
    result: Callable[[S, str], R]  # (escrow, transfer id) -> what the caller sees
    result_type: type[R]


def close_job(
    use: EscrowJobs[S, R],
    cmd: Command,
    escrow_id: str,
    decide: Callable[[S, Heads, str], Awaitable[Decision]],
    *,
    ctx: Context,
    scope: str,
    key: str | None,
    metadata: dict[str, Any] | None = None,
) -> Job[R]:
    """The job that closes escrow `escrow_id`: `decide(escrow, heads, transfer_id)` is the
    use's decision, its first append the escrow's closing transfer.

    The parties' streams load with the escrow's in one round trip: named up front when this
    process knows them (`parties`: it opened or last read the escrow), else followed from the
    escrow's terms (its opening event's `parties`) in the pipeline's next read of the group.
    """
    stream = use.stream(escrow_id)
    transfer_id, parties, now = ctx.new_id(), ctx.parties, ctx.clock

    def follow(loaded: Mapping[str, StoredEvent | None]) -> Sequence[str]:
        opening = loaded.get(stream)
        if opening is None or opening.version != 1:
            return ()  # no escrow, or a closed one: its terms are read when asked for
        if not isinstance(opening.event, HoldPlaced | TradeOffered):
            return ()
        players = opening.event.parties
        return parties.remember(stream, tuple(accounts.player_account(p) for p in players))

    async def decide_close(heads: Heads) -> tuple[Decision, R]:
        first = await heads.first(stream)
        escrow = use.state(escrow_id, first, await heads.latest(stream))
        decision = await decide(escrow, heads, transfer_id)
        [closing] = decision.appends[0].events  # the escrow's version 2, its outcome
        outcome = StoredEvent(
            stream_id=stream,
            version=OPENED_VERSION + 1,
            global_position=0,
            event=closing,
            recorded_at=now(),
        )
        return decision, use.result(use.state(escrow_id, first, outcome), transfer_id)

    return Job(
        command=cmd,
        scope=scope,
        key=key,
        decide=decide_close,
        result_type=use.result_type,
        streams=lambda: (stream, *parties.of(stream)),
        follow=follow,
        metadata=metadata or {},
    )


def opened(decision: Decision, terms: type[E]) -> E:
    """The terms an opening decision wrote on the escrow's new stream (its second append)."""
    [event] = decision.appends[1].events
    assert isinstance(event, terms), "an escrow's stream opens with its terms"
    return event
