"""Group commit (service/group.py): which queued jobs a runner takes as its group."""

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from service.group import GroupCommitter
from service.job import Job, Outcome


class _Job:
    """What the committer reads of a job: its scope (and a name, for the test)."""

    def __init__(self, scope: str, name: str) -> None:
        self.scope = scope
        self.name = name


class _Writes:
    """A write that holds each group until the test lets it end, recording the groups."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.release: list[asyncio.Event] = []
        self.started = asyncio.Event()

    async def __call__(self, jobs: Sequence[Job[Any]]) -> list[Outcome]:
        self.groups.append([cast(_Job, job).name for job in jobs])
        done = asyncio.Event()
        self.release.append(done)
        self.started.set()
        await done.wait()
        return [Outcome(result=cast(_Job, job).name) for job in jobs]

    async def wait_groups(self, count: int) -> None:
        while len(self.groups) < count:
            self.started.clear()
            await asyncio.wait_for(self.started.wait(), 5)


def _submit(committer: GroupCommitter, scope: str, name: str) -> asyncio.Task[Outcome]:
    return asyncio.create_task(committer.submit(cast(Job[Any], _Job(scope, name))))


async def test_a_job_waits_while_its_scope_is_written_and_the_others_go_on() -> None:
    # Written beside the group that holds its player, the job would lose the race on the
    # player's stream and its own group would be written twice.
    writes = _Writes()
    committer = GroupCommitter(writes, runners=2)
    try:
        first = _submit(committer, "alice", "a1")
        await writes.wait_groups(1)
        later = [_submit(committer, "alice", "a2"), _submit(committer, "bob", "b1")]
        await writes.wait_groups(2)
        assert writes.groups == [["a1"], ["b1"]]  # a2 waits for a1's group

        writes.release[0].set()
        assert (await first).result == "a1"
        await writes.wait_groups(3)
        assert writes.groups[2] == ["a2"]
        for done in writes.release:
            done.set()
        assert [(await task).result for task in later] == ["a2", "b1"]
    finally:
        await committer.close()


async def test_one_scopes_waiting_jobs_keep_their_order_in_one_group() -> None:
    writes = _Writes()
    committer = GroupCommitter(writes, runners=2)
    try:
        tasks = [_submit(committer, "alice", "a1")]
        await writes.wait_groups(1)
        tasks += [_submit(committer, "alice", name) for name in ("a2", "a3", "a4")]
        await asyncio.sleep(0.01)
        assert writes.groups == [["a1"]]  # the free runner found nothing it may write
        writes.release[0].set()
        await writes.wait_groups(2)
        assert writes.groups[1] == ["a2", "a3", "a4"]
        writes.release[1].set()
        assert [(await task).result for task in tasks] == ["a1", "a2", "a3", "a4"]
    finally:
        await committer.close()
