"""The write side's entry point: `handle(command, key, caller)`, the command's job (from the
registry in service/handlers.py) through the one pipeline."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from domain import accounts, expiry
from domain.assets import Catalog
from domain.commands import Command, EconomyRules
from domain.events import CatalogApplied
from domain.freezes import FreezeIndex
from domain.ledger import Decision
from domain.ports import EventStore
from domain.roles import Roles
from infra import ids, replica
from infra.store import PgEventStore
from service import treasury
from service.catalog import holdings
from service.clawback import targets as clawback_targets
from service.context import Context
from service.group import GroupCommitter
from service.handlers import HANDLERS, corrects
from service.job import Heads, Job, Outcome, Sender
from service.pipeline import Pipeline, count, utc_now
from service.shards import ShardPicker

_log = structlog.get_logger(__name__)
NOBODY = Sender()  # the command's scope sends it itself


def with_lots(job: Job[Any], ctx: Context) -> Job[Any]:
    """The job with every player transfer it decides carrying the lots its legs leave: the one
    place lots are kept, whatever the command (domain/expiry.py), with the credits' expiry
    from the catalog it decided in."""
    decide, command = job.decide, job.command  # not the job: it holds this function

    async def decide_with_lots(heads: Heads) -> tuple[Decision, Any]:
        decision, result = await decide(heads)
        return expiry.with_lots(decision, expiry.expiry_of(ctx.catalog, command)), result

    job.decide = decide_with_lots
    return job


class LedgerService:
    """Every command the ledger accepts, over PostgreSQL (`pool`) or any EventStore (`store`)."""

    def __init__(
        self,
        pool: asyncpg.Pool | None = None,
        *,
        catalog: Catalog,
        rules: EconomyRules,
        store: EventStore | None = None,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = ids.new_id,
        on_commit: Callable[[], None] = lambda: None,
        roles: Roles | None = None,
    ) -> None:
        if store is None:
            assert pool is not None, "a pool or a store"
            store = PgEventStore(pool)
        self.pool = pool
        self.store = store
        self.pipeline = Pipeline(store, clock=clock, new_id=new_id, on_commit=on_commit)
        self.ctx = Context(catalog, rules, clock, new_id, ShardPicker(rules.shard_count))
        if roles is not None:
            self.ctx.roles = roles
        if pool is not None:
            self.ctx.holdings = holdings(pool)
            self.ctx.clawback_targets = clawback_targets(pool)
        self.group: GroupCommitter | None = None

    @property
    def base_catalog(self) -> Catalog:
        """The catalog's version 0: the configured file."""
        return self.ctx.base_catalog

    @property
    def catalog(self) -> Catalog:
        """The catalog purchases are priced from."""
        return self.ctx.catalog

    def use_catalog(self, catalog: Catalog) -> None:
        """Decide from now on in `catalog`, if it is newer than the one in use."""
        if catalog.version > self.ctx.catalog.version:
            self.ctx.catalog = catalog
            _log.info("catalog in use", version=catalog.version)

    async def refresh_catalog(self) -> None:
        """Read the catalog stream's head and use it if newer (background writers' poll)."""
        async with self.store.session() as session:
            head = await session.latest(accounts.CATALOG_STREAM)
        if head is not None and isinstance(head.event, CatalogApplied):
            self.use_catalog(head.event.catalog)

    def use_freezes(self, freezes: FreezeIndex) -> None:
        """Refuse from now on what `freezes` stop (the follower's copy, infra/freeze_store.py)."""
        self.pipeline.freezes = freezes

    @property
    def rules(self) -> EconomyRules:
        """The economy's numbers (the shard count as genesis funded it)."""
        return self.ctx.rules

    @property
    def on_commit(self) -> Callable[[], None]:
        """Called after every commit (the API pokes the projectors' waker)."""
        return self.pipeline.on_commit

    @on_commit.setter
    def on_commit(self, hook: Callable[[], None]) -> None:
        self.pipeline.on_commit = hook

    @property
    def conflict_retries(self) -> int:
        """How many times a command was re-decided after losing a race."""
        return self.pipeline.conflict_retries

    def start_group_commit(self, *, max_batch: int = 256, runners: int = 4) -> GroupCommitter:
        """Write concurrent commands in shared statements from now on (call in the event loop)."""
        self.group = GroupCommitter(self.pipeline.write, max_batch=max_batch, runners=runners)
        self.pipeline.committer = self.group
        return self.group

    async def close(self) -> None:
        """Stop group commit, if it was started."""
        if self.group is not None:
            self.pipeline.committer = None
            await self.group.close()
            self.group = None

    def job(self, command: Command, key: str | None = None, caller: Sender = NOBODY) -> Job[Any]:
        """The job `command` is, from the registry (service/handlers.py), sent by `caller`.

        When someone else acts on the command's scope (a game server's batch top-up for a
        player), the key is the caller's and the caller is named on the events.
        """
        try:
            build = HANDLERS[type(command)]
        except KeyError:
            raise TypeError(f"no handler for {type(command).__name__}") from None
        job = with_lots(build(self.ctx, command, key, caller), self.ctx)
        job.correction = corrects(command)
        if caller.id is not None and caller.id != job.scope and job.caller is None:
            job.caller = caller.id
            job.metadata["actor"] = caller.id
        return job

    async def handle(
        self, command: Command, key: str | None = None, caller: Sender = NOBODY
    ) -> Any:
        """The one way in for a write: the command's job through the pipeline; its result."""
        return await self.pipeline.run(self.job(command, key, caller))

    async def handle_many(
        self,
        commands: Sequence[tuple[Command, str | None]],
        *,
        atomic: bool,
        caller: Sender = NOBODY,
    ) -> list[Outcome]:
        """Many commands (with their keys) decided in turn and written in one statement; with
        `atomic`, all or none. Each job's outcome, counted like a single command's."""
        jobs = [self.job(command, key, caller) for command, key in commands]
        outcomes = await self.pipeline.write(jobs, atomic=atomic)
        for job, outcome in zip(jobs, outcomes, strict=True):
            count(job, outcome)
            replica.note(outcome.position)
        return outcomes

    async def seed_genesis(self) -> bool:
        """Mint the genesis supply once; False when it was already there."""
        if not await treasury.seed_genesis(self.store, self.ctx):
            return False
        self.pipeline.on_commit()
        return True

    async def align_with_genesis(self) -> int:
        """Use as many treasury shards as genesis funded; the count in use.

        TREASURY_SHARDS only shapes genesis. A database seeded with another count keeps it:
        starting top-ups on unfunded shards would cost a read per empty shard.
        """
        funded = await treasury.funded_shards(self.store)
        if funded is not None and funded != self.rules.shard_count:
            _log.warning(
                "TREASURY_SHARDS differs from genesis; using genesis's count",
                configured=self.rules.shard_count,
                genesis=funded,
            )
            self.ctx.rules = treasury.with_shard_count(self.rules, funded)
            self.ctx.shards = ShardPicker(funded, self.ctx.shards.home)
            self.ctx.others.clear()
        return self.rules.shard_count
