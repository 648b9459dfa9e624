"""Applying a catalog while running: validate it against the live one and what players hold,
append it as the `catalog` stream's next version, mint genesis for new currencies, and wake
every process's follower (infra/catalog_store.py)."""

import msgspec

from domain.assets import Catalog
from domain.catalog import decide_apply
from domain.errors import StreamVersionConflict
from domain.ports import Write
from infra import catalog_store
from service.ledger import LedgerService


class AppliedCatalog(msgspec.Struct, frozen=True, kw_only=True):
    """The version the catalog was applied as, and the currencies whose genesis it minted."""

    version: int
    seeded: list[str]


async def apply_catalog(ledger: LedgerService, new: Catalog, actor: str) -> AppliedCatalog:
    """Make `new` the live catalog, or raise CatalogRefused listing every reason."""
    assert ledger.pool is not None, "the catalog stream lives in PostgreSQL"
    async with ledger.pool.acquire() as conn:
        current = await catalog_store.head(conn) or ledger.base_catalog
        held = await catalog_store.held(conn)
    decision = decide_apply(current, new, held, now=ledger.ctx.clock())
    async with ledger.store.session() as session:
        try:
            await session.append([Write(appends=decision.appends, metadata={"actor": actor})])
        except StreamVersionConflict as error:  # another apply won the version: re-validate
            raise StreamVersionConflict(
                "another catalog was applied at the same time; try again", **error.context
            ) from None
    applied = msgspec.structs.replace(new, version=current.version + 1)
    before = set(ledger.catalog.currency_codes())
    ledger.use_catalog(applied)
    await ledger.seed_genesis()  # idempotent per currency: only new ones are minted
    async with ledger.pool.acquire() as conn:
        await catalog_store.notify(conn)
    seeded = [c for c in applied.currency_codes() if c not in before]
    return AppliedCatalog(version=applied.version, seeded=seeded)
