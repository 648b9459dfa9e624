"""Group commit's isolation: one job's bad write never fails its neighbours (DESIGN-NOTES 12).

A PostgreSQL statement fails as a whole. When a group's fails for any reason but a lost version
race (which the pipeline retries), the group is written again in halves, recursively: only a
job that fails alone gets the error. With k bad jobs among n that costs O(k log n) statements
more, and none while nothing fails. The database being away is no reason to split: every job
waits on it alike, and the whole group fails at once (503).

An atomic group is all or none, so it cannot be written in halves. Rehearsals (sessions whose
writes are rolled back) find the shortest prefix of its jobs that fails; that prefix's last job
is named with the error, and every other job is `batch_aborted`. Nothing is written.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from domain.errors import DomainError
from infra.faults import UNAVAILABLE, refusal
from service.job import Job, Outcome

_log = structlog.get_logger(__name__)

Write = Callable[[Sequence[Job[Any]]], Awaitable[list[Outcome]]]
Rehearse = Callable[[Sequence[Job[Any]]], Awaitable[Exception | None]]


class BatchAborted(DomainError):
    slug = "batch_aborted"
    title = "Not applied: another transfer of the atomic batch failed"


def aborted(outcomes: list[Outcome]) -> list[Outcome]:
    """An atomic group's outcomes when one failed: every other one is aborted, unwritten."""
    abort = "not applied: another transfer of this atomic batch failed"
    return [o if o.error is not None else Outcome(error=BatchAborted(abort)) for o in outcomes]


async def halves(jobs: Sequence[Job[Any]], write: Write) -> list[Outcome]:
    """Each half of a failed group written again, in order; a half that fails splits in turn.

    In order, so the second half decides on what the first half committed, as it would have
    in the group.
    """
    middle = len(jobs) // 2
    return await in_turn([(jobs[:middle], write), (jobs[middle:], write)])


async def in_turn(parts: Sequence[tuple[Sequence[Job[Any]], Write]]) -> list[Outcome]:
    """The outcomes of a group's parts, each written (by its own `Write`) after the one before.

    A part that raises has committed nothing (a part that commits returns its outcomes). If no
    part has committed yet, the error is the whole group's, as it would have been unsplit;
    after that, it is the failing part's only, so a job that committed is never answered with
    an error. The database being away also answers the parts not tried yet.
    """
    outcomes: list[Outcome] = []
    for index, (part, write) in enumerate(parts):
        try:
            outcomes += await write(part)
        except Exception as error:
            if not outcomes:
                raise
            away = isinstance(error, UNAVAILABLE)
            untried = [job for later, _ in parts[index + 1 :] for job in later] if away else []
            outcomes += [Outcome(error=error) for _ in [*part, *untried]]
            if away:
                break
    return outcomes


async def blame(jobs: Sequence[Job[Any]], error: Exception, rehearse: Rehearse) -> list[Outcome]:
    """A failed atomic group's outcomes: the job it fails on gets the error, the rest abort."""
    low, high = 1, len(jobs)  # the shortest failing prefix is within [low, high] jobs long
    while low < high:
        middle = (low + high) // 2
        failure = await rehearse(jobs[:middle])
        if failure is None:
            low = middle + 1
        else:
            high, error = middle, failure
    return aborted([Outcome() if i != high - 1 else alone(error) for i in range(len(jobs))])


def alone(error: Exception) -> Outcome:
    """The outcome of a job whose write fails on its own: a 4xx when its data is at fault.

    Anything else stays the exception it is, raised for this job only (a logged 500).
    """
    if isinstance(error, DomainError):
        return Outcome(error=error)
    refused = refusal(error)
    if refused is not None:
        _log.info("write refused by the database", error_type=type(error).__name__)
    return Outcome(error=refused or error)
