"""The one write pipeline: read heads → decide (pure) → append, for one command or a group.

Every command is a Job (service/job.py). The pipeline owns, once for all of them: loading the
heads a job names (with its idempotency key, in one round trip), the replay of a retried key,
the key's record written in the same statement as the events, the bounded retry with jitter
and lock escalation, and the metrics and log fields. Group commit (service/group.py) is only
how jobs reach `write`: alone, or many concurrent ones in one statement, where one job's failing
write never fails the others (service/isolation.py). How a group is planned (its heads loaded,
keys replayed, freezes refused, each job decided into its write) is the half of `Pipeline` in
service/planner.py.
"""

import asyncio
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import msgspec
import structlog

from domain import accounts
from domain.errors import DomainError, StreamVersionConflict
from domain.freezes import NO_FREEZES, FreezeIndex
from domain.ports import EventStore, IdempotencyRace
from infra import ids, metrics, replica
from infra.faults import UNAVAILABLE
from service.isolation import BatchAborted, aborted, alone, blame, halves, in_turn
from service.job import Job, Outcome
from service.planner import Plan, Planner

__all__ = ["BatchAborted", "Committer", "Pipeline", "count", "utc_now"]

MAX_ATTEMPTS = 12
# A lost race on a treasury shard is retried on another shard without waiting: the next
# attempt starts from another shard, and queueing behind the shard it lost on made concurrent
# top-ups wait for each other. Only a command that keeps losing queues on its shards too.
SHARD_LOCK_AFTER = 3
R = TypeVar("R", bound=msgspec.Struct)


def utc_now() -> datetime:
    """The wall clock, in UTC (the default `clock`)."""
    return datetime.now(UTC)


class Committer(Protocol):
    """How `run` reaches `write` when group commit is on (service/group.py)."""

    async def submit(self, job: Job[Any]) -> Outcome: ...


class Pipeline(Planner):
    """Runs jobs against an EventStore."""

    def __init__(
        self,
        store: EventStore,
        *,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = ids.new_id,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        self.on_commit = on_commit
        # Called with the streams a group wrote and the log's position after its commit (the
        # API remembers them, so a read of those streams on a standby waits for it).
        self.on_position: Callable[[list[str], int], None] = lambda streams, position: None
        self.conflict_retries = 0
        self.committer: Committer | None = None
        self.freezes: FreezeIndex = NO_FREEZES  # what operators froze (service/freezes.py)

    async def run(self, job: Job[R]) -> R:
        """The job's result, or its DomainError; counted, and bound to the request's log line."""
        try:
            if self.committer is not None:
                outcome = await self.committer.submit(job)
            else:
                [outcome] = await self.write([job])
        except DomainError as error:
            outcome = Outcome(error=error)
        count(job, outcome)
        if outcome.error is not None:
            raise outcome.error
        replica.note(outcome.position)  # the request's `Ledger-Position` (api/http/writes.py)
        # The request's log line (api/http/observability.py) then names the transfer and its stream.
        structlog.contextvars.bind_contextvars(
            stream=job.scope, transfer_id=getattr(outcome.result, "transfer_id", None)
        )
        result: R = outcome.result
        return result

    async def write(self, jobs: Sequence[Job[Any]], *, atomic: bool = False) -> list[Outcome]:
        """Decide and write every job in one statement; with `atomic`, all or none.

        A job refused by its decision gets its error and the others are still written (unless
        `atomic`). A conflict with another writer re-reads and re-decides them all. A write
        that fails otherwise is split until the failure has one job (service/isolation.py).
        """
        try:
            return await self._attempts(jobs, atomic)
        finally:
            for job in jobs:
                job.finish()

    async def _attempts(
        self,
        jobs: Sequence[Job[Any]],
        atomic: bool,
        first: int = 0,
        contended: Sequence[str] = (),
    ) -> list[Outcome]:
        batch = {"batch": self.new_id()} if len(jobs) > 1 else {}
        for number in range(first, MAX_ATTEMPTS):
            plan: Plan | None = None
            try:
                async with self.store.session(list(contended)) as session:
                    plan = await self._plan(session, jobs, batch)
                    if atomic and any(o.error is not None for o in plan.outcomes):
                        return aborted(plan.outcomes)
                    if plan.writes:
                        await session.append(plan.writes)
            except StreamVersionConflict as conflict:
                self.conflict_retries += 1
                metrics.CONFLICT_RETRIES.inc()
                lost_on = conflict.context.get("streams", ())
                losers = _losers(plan, lost_on) if plan is not None and not atomic else []
                if 0 < len(losers) < len(jobs):
                    return await self._split(jobs, losers, lost_on, number)
                contended = _contended(jobs, lost_on, number)
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(number, 6)))
                continue
            except IdempotencyRace:  # the other request's record is there now: replay it
                continue
            except UNAVAILABLE:  # the database is away: every job of the group waits alike
                raise
            except Exception as error:  # whatever it is, only its job gets it
                return await self._isolate(jobs, atomic, error, number, contended)
            if plan.writes:
                self.on_commit()
            return self._positioned(jobs, plan, session.position)
        raise StreamVersionConflict(
            "too many concurrent writes to the same stream; try again", attempts=MAX_ATTEMPTS
        )

    def _positioned(
        self, jobs: Sequence[Job[Any]], plan: Plan, position: int | None
    ) -> list[Outcome]:
        """The plan's outcomes, each written or replayed one at the commit's `position`; the
        streams written and the writers (replica.writer) remembered at it."""
        if position is None:
            return plan.outcomes
        writers = []
        for job, outcome in zip(jobs, plan.outcomes, strict=True):
            if outcome.written or outcome.replayed:
                outcome.position = position
            if outcome.written:
                writers.append(replica.writer(job.caller or job.scope))
        if plan.writes:
            streams = [a.stream for w in plan.writes for a in w.appends]
            self.on_position([*streams, *writers], position)
        return plan.outcomes

    async def _split(
        self, jobs: Sequence[Job[Any]], losers: list[int], lost_on: Iterable[str], number: int
    ) -> list[Outcome]:
        """A group that lost on some streams: the rest again at once, the losers after a pause.

        Only the jobs that wrote to a stream another writer reached first have to re-read it;
        the others of the group retry without waiting (and without counting an attempt).
        """
        lost = set(losers)
        rest = [job for i, job in enumerate(jobs) if i not in lost]
        again = [jobs[i] for i in losers]

        async def now(part: Sequence[Job[Any]]) -> list[Outcome]:
            return await self._attempts(part, False, number)

        async def later(part: Sequence[Job[Any]]) -> list[Outcome]:
            await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(number, 6)))
            return await self._attempts(part, False, number + 1, _contended(part, lost_on, number))

        outcomes = await in_turn([(rest, now), (again, later)])
        done, retried = iter(outcomes[: len(rest)]), iter(outcomes[len(rest) :])
        return [next(retried) if i in lost else next(done) for i in range(len(jobs))]

    async def _isolate(
        self,
        jobs: Sequence[Job[Any]],
        atomic: bool,
        error: Exception,
        number: int,
        contended: Sequence[str],
    ) -> list[Outcome]:
        """A group whose write failed for a reason of its own: only the failing job gets it."""
        if len(jobs) == 1:
            return [alone(error)]
        if atomic:
            return await blame(jobs, error, self._rehearse)

        async def again(part: Sequence[Job[Any]]) -> list[Outcome]:
            locks = _contended(part, contended, number) if contended else ()
            return await self._attempts(part, False, number, locks)

        return await halves(jobs, again)

    async def _rehearse(self, jobs: Sequence[Job[Any]]) -> Exception | None:
        """How writing `jobs` fails now (None when it does not), with nothing kept."""
        try:
            async with self.store.session(rehearsal=True) as session:
                plan = await self._plan(session, jobs, {})
                if plan.writes:
                    await session.append(plan.writes)
        except (StreamVersionConflict, IdempotencyRace):
            return None  # another writer moved first: not the failure looked for
        except UNAVAILABLE:
            raise
        except Exception as error:  # the failure looked for, whatever it is
            return error
        return None


def count(job: Job[Any], outcome: Outcome) -> None:
    """The `gameledger_commands` metric for one job."""
    error = outcome.error
    slug = "ok" if error is None else getattr(error, "slug", "internal_error")
    metrics.COMMANDS.labels(job.command.tag, slug).inc()


def _losers(plan: Plan, streams: Iterable[str]) -> list[int]:
    """The jobs of a planned group that wrote to one of `streams` (the ones a conflict names)."""
    lost = set(streams)
    return [i for i, touched in enumerate(plan.touched) if touched & lost]


def _contended(jobs: Sequence[Job[Any]], streams: Iterable[str], attempt: int) -> list[str]:
    """The locks the next attempt queues on: the jobs' scopes, and the streams they lost on.

    Retriers of one hot wallet or one popular referrer then queue instead of racing each other
    until some run out of attempts. Sorted, so two retriers never wait on each other in
    opposite orders. The first attempt stays lock-free and a single statement.
    """
    lost = {s for s in streams if attempt >= SHARD_LOCK_AFTER or not accounts.is_shard(s)}
    return sorted({*(job.scope for job in jobs), *lost})
