"""Group commit: concurrent single commands coalesced into one database statement.

Nothing waits on a timer. While a group is being written, new commands queue up; the next free
runner takes everything queued (up to `max_batch`) as its group. At low load a group is a single
command; under load, one commit carries many. Each command keeps its own result or error: the
group is written as an independent batch (see infra/batch.py).
"""

import asyncio
import contextlib
from collections import deque

from infra.batch import BatchCommand, BatchItem, execute
from infra.ledger import LedgerService, TransferResult

_Waiter = tuple[BatchItem, asyncio.Future[TransferResult]]


class GroupCommitter:
    """Runs submitted commands in groups through a few concurrent runners."""

    def __init__(self, service: LedgerService, *, max_batch: int = 256, runners: int = 4) -> None:
        self._service = service
        self._max_batch = max_batch
        self._queue: deque[_Waiter] = deque()
        self._ready = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._run(), name=f"group-commit-{n}") for n in range(runners)
        ]
        self.groups = 0
        self.commands = 0

    async def submit(self, command: BatchCommand, key: str | None) -> TransferResult:
        """The command's result once its group is written (or its own DomainError)."""
        future: asyncio.Future[TransferResult] = asyncio.get_running_loop().create_future()
        self._queue.append((BatchItem(command=command, key=key), future))
        self._ready.set()
        return await future

    async def close(self) -> None:
        """Stop the runners (queued commands are failed with CancelledError)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while self._queue:
            self._queue.popleft()[1].cancel()

    async def _run(self) -> None:
        while True:
            while not self._queue:
                self._ready.clear()
                await self._ready.wait()
            group = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
            await self._write(group)

    async def _write(self, group: list[_Waiter]) -> None:
        self.groups += 1
        self.commands += len(group)
        try:
            outcomes = await execute(self._service, [item for item, _ in group], atomic=False)
        except Exception as error:  # the whole group failed (e.g. database away): tell each
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if future.done():
                continue
            if outcome.error is not None:
                future.set_exception(outcome.error)
            else:
                assert outcome.result is not None
                future.set_result(outcome.result)
