"""Applying a catalog while running: the `ApplyCatalog` job validates the new catalog against
the catalog stream's head and what players hold and appends it as the stream's next version;
`apply_catalog` then mints genesis for new currencies and wakes every process's follower
(infra/catalog_store.py)."""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from domain import accounts
from domain.assets import Catalog
from domain.catalog import decide_apply
from domain.commands import ApplyCatalog
from domain.events import CatalogApplied
from domain.ledger import Decision
from infra import catalog_store
from service.context import Context
from service.job import Heads, Job, Sender

if TYPE_CHECKING:  # the ledger's registry names this module's job
    from service.ledger import LedgerService


class AppliedCatalog(msgspec.Struct, frozen=True, kw_only=True):
    """The version the catalog was applied as, and the currencies whose genesis it minted."""

    version: int
    seeded: list[str]


def apply(ctx: Context, cmd: ApplyCatalog, key: str | None, caller: Sender) -> Job[AppliedCatalog]:
    """The job that appends `cmd.catalog` as the catalog stream's next version. A concurrent
    apply that wins the version makes the pipeline re-decide on it (validated anew)."""

    async def decide(heads: Heads) -> tuple[Decision, AppliedCatalog]:
        head = await heads.latest(accounts.CATALOG_STREAM)
        live = head.event if head is not None else None
        current = live.catalog if isinstance(live, CatalogApplied) else ctx.base_catalog
        decision = decide_apply(current, cmd.catalog, await ctx.holdings(), now=ctx.clock())
        known = set(current.currency_codes())
        seeded = [c for c in cmd.catalog.currency_codes() if c not in known]
        return decision, AppliedCatalog(version=current.version + 1, seeded=seeded)

    return Job(
        command=cmd,
        scope=accounts.CATALOG_STREAM,
        key=key,
        decide=decide,
        result_type=AppliedCatalog,
        streams=lambda: (accounts.CATALOG_STREAM,),
    )


def holdings(pool: asyncpg.Pool) -> Callable[[], Awaitable[dict[str, int]]]:
    """What players hold of each asset, read over `pool` (the ledger's `Context.holdings`)."""

    async def read() -> dict[str, int]:
        async with pool.acquire() as conn:
            return await catalog_store.held(conn)

    return read


async def apply_catalog(ledger: "LedgerService", new: Catalog, actor: str) -> AppliedCatalog:
    """Make `new` the live catalog, or raise CatalogRefused listing every reason: the command
    through the ledger's one way in, then this process uses it, mints new currencies' genesis
    and wakes the other processes."""
    assert ledger.pool is not None, "the catalog stream lives in PostgreSQL"
    applied: AppliedCatalog = await ledger.handle(
        ApplyCatalog(catalog=new), caller=Sender(id=actor)
    )
    ledger.use_catalog(msgspec.structs.replace(new, version=applied.version))
    await ledger.seed_genesis()  # idempotent per currency: only new ones are minted
    async with ledger.pool.acquire() as conn:
        await catalog_store.notify(conn)
    return applied
