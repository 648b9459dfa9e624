"""A clawback's two jobs: `StartClawback` records the list the filter matches now (its stream's
version 1); `ClawbackStep` reverses one entry of it, claimed once by the transfer's `reversal:`
stream, with the step on the clawback's stream in the same transaction (domain/clawback.py).
The runner (service/clawback_runner.py) sends the steps in order, and again after a restart."""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

import asyncpg
import msgspec

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.clawback import (
    MAX_TARGETS,
    Progress,
    check_filter,
    check_reversible,
    decide_skip,
    decide_step,
    matches,
    progress_of,
)
from domain.clawback_dry_run import Effect, effects
from domain.clawback_errors import ClawbackTooLarge, NothingToClawBack, UnknownClawback
from domain.clawback_events import ClawbackFilter, ClawbackStarted, ClawbackTarget
from domain.commands import ClawbackStep, StartClawback
from domain.debt import debt_state
from domain.errors import DomainError
from domain.events import PlayerRegistered, Transferred
from domain.ledger import NO_STREAM, Append, Decision, ShardState
from domain.state import player_state
from domain.transfer_errors import UnknownTransfer
from infra import clawback_reads, eventstore
from infra.db import Conn
from infra.eventstore_reads import claim_owner
from service.context import Context
from service.job import Heads, Job, Sender
from service.shards import from_shards, random_start

if TYPE_CHECKING:  # the ledger's registry names this module's jobs
    from service.ledger import LedgerService

Targets = tuple[int, list[tuple[str, Transferred]]]


class Started(msgspec.Struct, frozen=True, kw_only=True):
    """A clawback recorded: its id and how many transfers its list holds."""

    clawback_id: str
    total: int


class Stepped(msgspec.Struct, frozen=True, kw_only=True):
    """One step: what it did ("reversed", "skipped", "refused", or "behind": done already)."""

    outcome: str
    done: int
    total: int


def targets(pool: asyncpg.Pool) -> Callable[[ClawbackFilter], Awaitable[Targets]]:
    """The transfers a filter matches now, oldest first, and the log position it stopped at
    (the ledger's `Context.clawback_targets`)."""

    async def read(f: ClawbackFilter) -> Targets:
        async with pool.acquire() as conn:
            streams = None
            if f.players:
                streams = [await _player_stream(conn, name) for name in f.players]
            upto = await clawback_reads.log_head(conn)
            # one more than a clawback may hold, so that too many is told from just enough
            found = await clawback_reads.candidates(conn, f, upto, streams, MAX_TARGETS + 1)
        return upto, [(p, t) for p, t in found if matches(f, t)]

    return read


async def _player_stream(conn: Conn, name: str) -> str:
    owner = await claim_owner(conn, accounts.username_stream(name))
    if owner is None:
        raise UnknownPlayer(f"there is no player named '{name}'", username=name)
    return accounts.player_account(owner)


def start_clawback(
    ctx: Context, cmd: StartClawback, key: str | None, caller: Sender
) -> Job[Started]:
    """The job that records the clawback's list as version 1 of a new `clawback:` stream."""
    clawback_id = ctx.new_id()
    stream = accounts.clawback_stream(clawback_id)

    async def decide(heads: Heads) -> tuple[Decision, Started]:
        check_filter(cmd.filter, ctx.catalog)
        upto, found = await ctx.clawback_targets(cmd.filter)
        if not found:
            raise NothingToClawBack("no unreversed transfer matches the filter", upto=upto)
        if len(found) > MAX_TARGETS:
            raise ClawbackTooLarge(
                f"the filter matches more than {MAX_TARGETS} transfers; narrow it",
                maximum=MAX_TARGETS,
            )
        event = ClawbackStarted(
            clawback_id=clawback_id,
            filter=cmd.filter,
            reason=cmd.reason,
            actor=cmd.actor,
            upto=upto,
            targets=tuple(ClawbackTarget(p, t.transfer_id) for p, t in found),
            occurred_at=ctx.clock(),
        )
        decision = Decision(appends=(Append(stream=stream, expected=NO_STREAM, events=(event,)),))
        return decision, Started(clawback_id=clawback_id, total=len(found))

    return Job(
        command=cmd,
        scope=cmd.actor,
        key=key,
        decide=decide,
        result_type=Started,
        streams=lambda: (stream,),
    )


def clawback_step(ctx: Context, cmd: ClawbackStep, key: str | None, caller: Sender) -> Job[Stepped]:
    """The job that handles entry `cmd.index`: reverse it, or record why not. A step already
    taken (the stream's head is past it) writes nothing, so a resumed runner repeats none."""
    reversal_id = ctx.new_id()
    stream = accounts.clawback_stream(cmd.clawback_id)
    player = accounts.player_account(cmd.player_id)
    claim = accounts.reversal_stream(cmd.transfer_id)
    debts = accounts.debt_stream(cmd.player_id)

    async def decide(heads: Heads) -> tuple[Decision, Stepped]:
        progress = progress_of(await heads.latest(stream))
        if progress.finished or progress.done != cmd.index:
            return Decision(appends=()), Stepped(
                outcome="behind", done=progress.done, total=progress.total
            )
        now = ctx.clock()
        if await heads.latest(claim):  # reversed by an operator or an overlapping clawback
            decision = decide_skip(progress, cmd, None, now)
            return decision, Stepped(outcome="skipped", done=cmd.index + 1, total=progress.total)
        try:
            decision = await _reversal(ctx, heads, cmd, progress, reversal_id)
        except DomainError as error:  # not reversible, gone, no shard to refund from
            decision = decide_skip(progress, cmd, error.slug, now)
            return decision, Stepped(outcome="refused", done=cmd.index + 1, total=progress.total)
        return decision, Stepped(outcome="reversed", done=cmd.index + 1, total=progress.total)

    return Job(
        command=cmd,
        scope=cmd.clawback_id,
        key=key,
        decide=decide,
        result_type=Stepped,
        streams=lambda: (stream, player, claim, debts),
        metadata={"actor": cmd.actor, "clawback_id": cmd.clawback_id},
        caller=cmd.actor,
    )


async def _reversal(
    ctx: Context, heads: Heads, cmd: ClawbackStep, progress: Progress, reversal_id: str
) -> Decision:
    stream = accounts.player_account(cmd.player_id)
    original = await heads.find_transfer(stream, cmd.transfer_id)
    if original is None:
        raise UnknownTransfer("the player has no such transfer", transferId=cmd.transfer_id)
    currency = check_reversible(original)
    player = player_state(cmd.player_id, await heads.latest(stream))
    debt = debt_state(cmd.player_id, await heads.latest(accounts.debt_stream(cmd.player_id)))
    now = ctx.clock()

    def refund(shard: ShardState) -> Decision:
        return decide_step(
            player, original, shard, debt, progress, cmd, reversal_id=reversal_id, now=now
        )

    count = ctx.rules.shard_count
    refusal = "no treasury shard can fund this reversal"
    return await from_shards(heads, random_start(count), count, refund, refusal, currency=currency)


class DryRun(msgspec.Struct, frozen=True, kw_only=True):
    """What a clawback would do now: how many transfers and players, and per player and asset
    what it takes back and leaves as debt."""

    transfers: int
    players: int
    effects: list[Effect]


class Status(msgspec.Struct, frozen=True, kw_only=True):
    """A clawback as its stream's head tells it."""

    clawback_id: str
    status: Literal["running", "done", "failed"]
    done: int
    total: int
    skipped: int
    refused: int
    debt_created: dict[str, int]


async def dry_run(ledger: "LedgerService", f: ClawbackFilter) -> DryRun:
    """The clawback `f` would start now, played on the players' wallets now; writes nothing."""
    assert ledger.pool is not None, "clawbacks read the log in PostgreSQL"
    check_filter(f, ledger.catalog)
    _, found = await ledger.ctx.clawback_targets(f)
    players = list(dict.fromkeys(p for p, _ in found))
    streams = [accounts.player_account(p) for p in players]
    async with ledger.pool.acquire() as conn:
        heads = await eventstore.latest_many(conn, streams)
        firsts = [await eventstore.read_at(conn, s, 1) for s in streams]
    balances = {
        p: player_state(p, heads.get(s)).balances for p, s in zip(players, streams, strict=False)
    }
    names = {
        p: e.event.username
        for p, e in zip(players, firsts, strict=False)
        if e is not None and isinstance(e.event, PlayerRegistered)
    }
    return DryRun(
        transfers=len(found), players=len(players), effects=effects(balances, found, names)
    )


async def status(pool: asyncpg.Pool, clawback_id: str) -> Status:
    """The clawback's status, done and total so far, and the debt it created; or
    UnknownClawback."""
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, accounts.clawback_stream(clawback_id))
    if head is None:
        raise UnknownClawback("there is no such clawback", clawbackId=clawback_id)
    progress = progress_of(head)
    return Status(
        clawback_id=clawback_id,
        status=progress.finished or "running",
        done=progress.done,
        total=progress.total,
        skipped=progress.skipped,
        refused=progress.refused,
        debt_created=progress.debt_created,
    )
