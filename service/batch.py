"""Many transfers in one request (the batch endpoint): the pipeline's group write, on demand.

Commands are decided one after another (a later command on a wallet sees the earlier one's
result), then every event and key is written in one statement; with `atomic`, all or none.
"""

import msgspec

from domain.commands import Purchase, TopUp
from service.job import Outcome
from service.ledger import LedgerService
from service.pipeline import BatchAborted, count

BatchCommand = TopUp | Purchase

__all__ = ["BatchAborted", "BatchCommand", "BatchItem", "Outcome", "execute"]


class BatchItem(msgspec.Struct, frozen=True, kw_only=True):
    """One command of a batch with its own idempotency key."""

    command: BatchCommand
    key: str | None = None


async def execute(ledger: LedgerService, items: list[BatchItem], *, atomic: bool) -> list[Outcome]:
    """Decide and write every item; with `atomic`, all succeed or none is written."""
    jobs = [ledger.job(item.command, item.key) for item in items]
    outcomes = await ledger.pipeline.write(jobs, atomic=atomic)
    for job, outcome in zip(jobs, outcomes, strict=True):
        count(job, outcome)
    return outcomes
