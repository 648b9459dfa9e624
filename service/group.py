"""Group commit: how the pipeline writes concurrent commands, many in one statement.

Nothing waits on a timer. While a group is being written, new jobs queue up; the next free
runner takes everything queued (up to `max_batch`) as its group. At low load a group is a
single job; under load, one commit carries many. Each job keeps its own result or error: the
group is one `Pipeline.write`, where a later command on a stream decides on the state the
group's earlier ones leave.

A job whose scope (its player, mostly) is in a group being written stays queued until that
group ends: written alongside it, it would lose the race on the scope's stream, and the lost
race fails its whole group's statement, to be written again (issue 22: at 256 connections
about 60 groups a second were written twice). Jobs of one scope keep their order.
"""

import asyncio
import contextlib
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from service.job import Job, Outcome

Write = Callable[[Sequence[Job[Any]]], Awaitable[list[Outcome]]]
_Waiter = tuple[Job[Any], asyncio.Future[Outcome]]


class GroupCommitter:
    """Runs submitted jobs in groups through a few concurrent runners."""

    def __init__(self, write: Write, *, max_batch: int = 256, runners: int = 4) -> None:
        self._write_group = write
        self._max_batch = max_batch
        self._queue: deque[_Waiter] = deque()
        self._ready = asyncio.Event()
        self._busy: Counter[str] = Counter()  # the scopes of the groups being written
        self._tasks = [
            asyncio.create_task(self._run(), name=f"group-commit-{n}") for n in range(runners)
        ]
        self.groups = 0
        self.commands = 0

    async def submit(self, job: Job[Any]) -> Outcome:
        """The job's outcome once its group is written."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.append((job, future))
        self._ready.set()
        return await future

    async def close(self) -> None:
        """Stop the runners (queued jobs are failed with CancelledError)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while self._queue:
            self._queue.popleft()[1].cancel()

    async def _run(self) -> None:
        while True:
            group = self._take()
            if not group:  # nothing queued, or only jobs of scopes being written: wait
                self._ready.clear()
                await self._ready.wait()
                continue
            scopes = [job.scope for job, _ in group]
            self._busy.update(scopes)
            try:
                await self._write(group)
            finally:
                for scope in scopes:
                    self._busy[scope] -= 1
                    if not self._busy[scope]:
                        del self._busy[scope]
                if self._queue:
                    self._ready.set()  # what waited on these scopes can go now

    def _take(self) -> list[_Waiter]:
        """The next group: the oldest queued jobs, up to `max_batch`, but none of a scope that
        another group is writing (those stay queued, in order, for a later group)."""
        queue, busy = self._queue, self._busy
        if not busy:
            return [queue.popleft() for _ in range(min(self._max_batch, len(queue)))]
        group: list[_Waiter] = []
        waiting: list[_Waiter] = []
        while queue and len(group) < self._max_batch:
            waiter = queue.popleft()
            (waiting if waiter[0].scope in busy else group).append(waiter)
        queue.extendleft(reversed(waiting))
        return group

    async def _write(self, group: list[_Waiter]) -> None:
        self.groups += 1
        self.commands += len(group)
        try:
            outcomes = await self._write_group([job for job, _ in group])
        except Exception as error:  # the whole group failed (e.g. database away): tell each
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)
