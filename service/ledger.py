"""The write side's entry point: one method per command, each one job through the pipeline."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from domain import accounts
from domain.assets import CURRENCY, Catalog
from domain.commands import (
    CloseHold,
    CloseTrade,
    EconomyRules,
    Gift,
    Grant,
    OfferTrade,
    PlaceHold,
    Purchase,
    Reverse,
    Settle,
    SignUp,
    StoreCredit,
    StoreRefund,
    Sweep,
    TopUp,
    UseItem,
)
from domain.events import CatalogApplied
from domain.holds import Role
from domain.ports import EventStore
from domain.roles import Roles
from infra import ids
from infra.catalog import load_catalog
from infra.config import Settings
from infra.store import PgEventStore
from service import treasury
from service.close_hold import close_hold
from service.close_trade import close_trade
from service.context import Context
from service.gift import gift
from service.grant import grant
from service.group import GroupCommitter
from service.job import Job
from service.offer_trade import offer_trade
from service.pipeline import Pipeline, utc_now
from service.place_hold import place_hold
from service.purchase import purchase
from service.results import HoldResult, SignUpResult, TradeResult, TransferResult
from service.reverse import reverse
from service.settle import SettleResult, settle
from service.shards import ShardPicker
from service.signup import sign_up
from service.store_credit import store_credit
from service.store_refund import store_refund
from service.top_up import top_up
from service.use_item import UseResult, use_item

_log = structlog.get_logger(__name__)


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
        self.base_catalog = catalog  # version 0: the configured file
        self.group: GroupCommitter | None = None

    @classmethod
    def configured(
        cls, pool: asyncpg.Pool, settings: Settings, on_commit: Callable[[], None]
    ) -> "LedgerService":
        """The ledger over `pool` with the configured catalog and economy (background writers)."""
        return cls(
            pool,
            catalog=load_catalog(settings.catalog_file),
            rules=settings.economy,
            on_commit=on_commit,
        )

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

    async def run(self, job: Job[Any]) -> Any:
        """Any job through the pipeline: the public hook for commands defined elsewhere."""
        return await self.pipeline.run(job)

    def job(
        self, command: TopUp | Purchase, key: str | None = None, caller: str | None = None
    ) -> Job[TransferResult]:
        """The job of a money command sent by `caller` (for `service.batch`)."""
        if isinstance(command, TopUp):
            job = top_up(self.ctx, command, key)
        else:
            job = purchase(self.ctx, command, key)
        if caller is not None:  # a game server acting on the player: its key, its name
            job.caller = caller
            job.metadata["actor"] = caller
        return job

    async def top_up(self, cmd: TopUp, key: str | None = None) -> TransferResult:
        """The treasury pays the player (service/top_up.py)."""
        return await self.pipeline.run(top_up(self.ctx, cmd, key))

    async def grant(self, cmd: Grant, caller: str, key: str | None = None) -> TransferResult:
        """A game server pays a player from the treasury (service/grant.py)."""
        return await self.pipeline.run(grant(self.ctx, cmd, key, caller))

    async def store_credit(self, cmd: StoreCredit) -> TransferResult:
        """A verified store receipt's grant, credited once (service/store_credit.py)."""
        return await self.pipeline.run(store_credit(self.ctx, cmd))

    async def store_refund(self, cmd: StoreRefund) -> TransferResult:
        """Take a refunded receipt's grant back; what was spent becomes debt
        (service/store_refund.py)."""
        return await self.pipeline.run(store_refund(self.ctx, cmd))

    async def purchase(self, cmd: Purchase, key: str | None = None) -> TransferResult:
        """The player buys an item (service/purchase.py)."""
        return await self.pipeline.run(purchase(self.ctx, cmd, key))

    async def use_item(self, cmd: UseItem, key: str | None = None) -> UseResult:
        """The player uses items for what they grant (service/use_item.py)."""
        return await self.pipeline.run(use_item(self.ctx, cmd, key))

    async def gift(self, cmd: Gift, key: str | None = None) -> TransferResult:
        """One player gives another an asset (service/gift.py)."""
        return await self.pipeline.run(gift(self.ctx, cmd, key))

    async def place_hold(self, cmd: PlaceHold, caller: str, key: str | None = None) -> HoldResult:
        """Set a player's funds aside for a game server (service/place_hold.py)."""
        return await self.pipeline.run(place_hold(self.ctx, cmd, key, caller))

    async def close_hold(
        self, cmd: CloseHold, caller: str, key: str | None = None, *, role: Role = "service"
    ) -> HoldResult:
        """Capture, void or expire a pending hold (service/close_hold.py)."""
        return await self.pipeline.run(close_hold(self.ctx, cmd, key, caller, role))

    async def offer_trade(self, cmd: OfferTrade, key: str | None = None) -> TradeResult:
        """Escrow what a player gives and offer it to another (service/offer_trade.py)."""
        return await self.pipeline.run(offer_trade(self.ctx, cmd, key))

    async def close_trade(self, cmd: CloseTrade, key: str | None = None) -> TradeResult:
        """Accept, decline, cancel or expire an open trade (service/close_trade.py)."""
        return await self.pipeline.run(close_trade(self.ctx, cmd, key))

    async def settle(
        self, cmd: Settle, caller: str, key: str | None = None, *, role: Role = "service"
    ) -> SettleResult:
        """Capture a match's holds into one pot and pay the winners (service/settle.py)."""
        return await self.pipeline.run(settle(self.ctx, cmd, key, caller, role))

    async def sign_up(
        self, cmd: SignUp, password_hash: str, key: str | None = None, role: str = "player"
    ) -> SignUpResult:
        """Open a player with its login (service/signup.py)."""
        return await self.pipeline.run(sign_up(self.ctx, cmd, password_hash, key, role))

    async def reverse(self, cmd: Reverse, key: str | None = None) -> TransferResult:
        """A correcting transfer that undoes one of the player's (service/reverse.py)."""
        return await self.pipeline.run(reverse(self.ctx, cmd, key))

    async def sweep(self, inflow_credited: int, currency: str = CURRENCY) -> int:
        """Refill a currency's lowest shard with inflow the projection has folded; the amount
        moved."""
        job = treasury.sweep(self.ctx, Sweep(inflow_credited=inflow_credited, currency=currency))
        return (await self.pipeline.run(job)).moved

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
            self.ctx.shards = ShardPicker(funded)
            self.ctx.others.clear()
        return self.rules.shard_count
