"""Many transfers in one database statement: the batch endpoint and group commit share this.

Commands are decided one after another against in-memory state (a later command on the same
wallet sees the earlier one's result), then every event and idempotency key is written in one
statement: one commit, one fsync, for up to a thousand transfers. A conflict with a writer outside
the batch re-reads and re-decides the whole batch.
"""

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import msgspec

from domain import accounts
from domain.commands import Purchase, TopUp
from domain.errors import (
    DomainError,
    IdempotencyKeyReused,
    StreamVersionConflict,
    TreasuryDepleted,
    UnknownPlayer,
)
from domain.events import TrancheChanged
from domain.ledger import Append, Decision, PlayerState, ShardState
from domain.players import decide_purchase, decide_top_up
from domain.treasury import ShardShort, shard_order
from infra import eventstore, metrics
from infra import ids as ids_module
from infra.db import Conn, connection
from infra.eventstore import IdempotencyRace, IdempotencyRecord
from infra.ledger import (
    MAX_ATTEMPTS,
    LedgerService,
    TransferResult,
    command_metadata,
    fingerprint,
    player_state,
    shard_state,
)

BatchCommand = TopUp | Purchase


class BatchAborted(DomainError):
    slug = "batch_aborted"
    title = "Not applied: another transfer of the atomic batch failed"


class BatchItem(msgspec.Struct, frozen=True, kw_only=True):
    """One command of a batch with its own idempotency key."""

    command: BatchCommand
    key: str | None = None


@dataclass
class Outcome:
    """What happened to one item: a result, or the error that refused it."""

    result: TransferResult | None = None
    error: DomainError | None = None


@dataclass
class _Plan:
    outcomes: list[Outcome]
    appends: list[Append]
    keys: list[IdempotencyRecord]
    # One per append: the transfer id and key of the command the append belongs to.
    metadata: list[dict[str, Any]]


async def execute(service: LedgerService, items: list[BatchItem], *, atomic: bool) -> list[Outcome]:
    """Decide and write every item; with `atomic`, all succeed or none is written."""
    ids = [service.new_id() for _ in items]
    for number in range(MAX_ATTEMPTS):
        async with connection(service.pool) as conn:
            plan = await _decide_all(service, conn, items, ids)
            failed = any(o.error is not None for o in plan.outcomes)
            if atomic and failed:
                return _aborted(plan.outcomes)
            if not plan.appends:
                return plan.outcomes
            try:
                batch = ids_module.new_id()
                await eventstore.append_batch(
                    conn,
                    tuple(plan.appends),
                    plan.keys,
                    metadata=[{**meta, "batch": batch} for meta in plan.metadata],
                )
            except (StreamVersionConflict, IdempotencyRace):
                service.conflict_retries += 1
                metrics.CONFLICT_RETRIES.inc()
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(number, 6)))
                continue
        service.on_commit()
        return plan.outcomes
    raise StreamVersionConflict("too many concurrent writes; try the batch again")


def _aborted(outcomes: list[Outcome]) -> list[Outcome]:
    return [
        o
        if o.error is not None
        else Outcome(
            error=BatchAborted("not applied: another transfer of this atomic batch failed")
        )
        for o in outcomes
    ]


async def _decide_all(
    service: LedgerService, conn: Conn, items: list[BatchItem], ids: list[str]
) -> _Plan:
    pairs = [(i.command.player_id, i.key) for i in items if i.key is not None]
    stored = await eventstore.find_idempotent_many(conn, pairs) if pairs else {}
    shard_streams = [accounts.shard_account(n) for n in range(service.rules.shard_count)]
    needs_shards = any(isinstance(i.command, TopUp) for i in items)
    streams = sorted({accounts.player_account(i.command.player_id) for i in items})
    heads = await eventstore.latest_many(conn, streams + (shard_streams if needs_shards else []))
    state = _State(service, heads)
    plan = _Plan(outcomes=[], appends=[], keys=[], metadata=[])
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for item, transfer_id in zip(items, ids, strict=True):
        plan.outcomes.append(_one(service, state, plan, item, transfer_id, stored, seen))
    return plan


def _one(
    service: LedgerService,
    state: "_State",
    plan: _Plan,
    item: BatchItem,
    transfer_id: str,
    stored: dict[tuple[str, str], IdempotencyRecord],
    seen: dict[tuple[str, str], tuple[str, int]],
) -> Outcome:
    digest = fingerprint(item.command)
    pair = (item.command.player_id, item.key) if item.key is not None else None
    try:
        if pair is not None and pair in stored:
            return Outcome(result=_replay(stored[pair], digest))
        if pair is not None and pair in seen:
            earlier_digest, index = seen[pair]
            if earlier_digest != digest:
                raise _reused(item.key)
            return plan.outcomes[index]
        decision = state.decide(item.command, transfer_id)
    except DomainError as error:
        return Outcome(error=error)
    result = state.commit(decision, transfer_id, item.command.player_id)
    plan.appends.extend(decision.appends)
    meta = command_metadata(result, item.key)
    plan.metadata.extend(meta for _ in decision.appends)
    if pair is not None:
        seen[pair] = (digest, len(plan.outcomes))
        plan.keys.append(
            IdempotencyRecord(
                scope=pair[0],
                key=pair[1],
                fingerprint=digest,
                response=msgspec.json.encode(result).decode(),
            )
        )
    return Outcome(result=result)


def _replay(record: IdempotencyRecord, digest: str) -> TransferResult:
    if record.fingerprint != digest:
        raise _reused(record.key)
    return msgspec.json.decode(record.response, type=TransferResult)


def _reused(key: str | None) -> DomainError:
    return IdempotencyKeyReused(
        "this idempotency key was already used for another request", idempotencyKey=key
    )


class _State:
    """Streams' state as the batch's earlier decisions left it."""

    def __init__(self, service: LedgerService, heads: dict[str, eventstore.StoredEvent]) -> None:
        self.service = service
        self.players: dict[str, PlayerState] = {}
        self.heads = heads
        self.shards = [
            shard_state(n, heads.get(accounts.shard_account(n)))
            for n in range(service.rules.shard_count)
        ]

    def player(self, player_id: str) -> PlayerState:
        if player_id not in self.players:
            stream = accounts.player_account(player_id)
            self.players[player_id] = player_state(player_id, self.heads.get(stream))
        return self.players[player_id]

    def decide(self, command: BatchCommand, transfer_id: str) -> Decision:
        s = self.service
        player = self.player(command.player_id)
        if isinstance(command, Purchase):
            return decide_purchase(
                player,
                command,
                catalog=s.catalog,
                transfer_id=transfer_id,
                rules=s.rules,
                now=s.clock(),
            )
        count = s.rules.shard_count
        for index in shard_order(random.randrange(count), count):
            try:
                return decide_top_up(
                    player,
                    self.shards[index],
                    command,
                    transfer_id=transfer_id,
                    rules=s.rules,
                    now=s.clock(),
                )
            except ShardShort:
                continue
        raise TreasuryDepleted("no treasury shard can fund this top-up", amount=command.amount)

    def commit(self, decision: Decision, transfer_id: str, player_id: str) -> TransferResult:
        """Advance the in-memory state past `decision`; the command's result."""
        result: TransferResult | None = None
        for append in decision.appends:
            version = append.expected + len(append.events)
            last = append.events[-1]
            if append.stream.startswith(accounts.SHARD_PREFIX):
                assert isinstance(last, TrancheChanged)
                index = int(append.stream.removeprefix(accounts.SHARD_PREFIX))
                self.shards[index] = ShardState(
                    index=index, version=version, budget=last.budget_after
                )
            elif append.stream == accounts.player_account(player_id):
                balances = dict(getattr(last, "state_after", {}))
                self.players[player_id] = PlayerState(
                    player_id=player_id, version=version, balances=balances
                )
                result = TransferResult(
                    transfer_id=transfer_id, player_id=player_id, version=version, balances=balances
                )
        if result is None:
            raise UnknownPlayer("no such player", playerId=player_id)
        return result
