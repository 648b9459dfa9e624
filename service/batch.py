"""Many transfers in one request (the batch endpoint): the pipeline's group write, on demand.

Commands are decided one after another (a later command on a wallet sees the earlier one's
result), then every event and key is written in one statement; with `atomic`, all or none.
The game server sending the batch is each transfer's caller: its keys are its own, apart from
the keys the players use themselves (DESIGN-NOTES note 13).
"""

import msgspec

from domain.commands import Purchase, TopUp
from domain.errors import DuplicateIdempotencyKey
from service.job import Outcome, Sender
from service.ledger import LedgerService
from service.pipeline import BatchAborted

BatchCommand = TopUp | Purchase

__all__ = ["BatchAborted", "BatchCommand", "BatchItem", "Outcome", "execute"]


class BatchItem(msgspec.Struct, frozen=True, kw_only=True):
    """One command of a batch with its own idempotency key."""

    command: BatchCommand
    key: str | None = None


async def execute(
    ledger: LedgerService, items: list[BatchItem], *, atomic: bool, caller: str | None = None
) -> list[Outcome]:
    """Decide and write every item for `caller`; with `atomic`, all succeed or none is written.

    An atomic batch naming one key twice is refused whole before anything is decided: it
    cannot both apply every transfer once and answer the second with the first's result.
    """
    if atomic:
        _refuse_duplicate_keys(items)
    commands = [(item.command, item.key) for item in items]
    return await ledger.handle_many(commands, atomic=atomic, caller=Sender(id=caller))


def _refuse_duplicate_keys(items: list[BatchItem]) -> None:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.key is None:
            continue
        if item.key in first:
            raise DuplicateIdempotencyKey(
                f"transfers {first[item.key]} and {index} of this atomic batch both use the "
                f"idempotency key {item.key!r}; nothing was applied",
                said=f"Transfers {first[item.key]} and {index} of this atomic batch both use the "
                f'idempotency key "{item.key}", so nothing was applied.',
                idempotencyKey=item.key,
                indexes=[first[item.key], index],
            )
        first[item.key] = index
