"""The tests' ledgers, built as every process builds its own: by the composition root
(service/bootstrap.py), with the test's economy and the built-in catalog."""

from collections.abc import Callable
from datetime import datetime

import asyncpg

from domain.assets import DEFAULT_CATALOG, Catalog
from domain.commands import EconomyRules
from infra.config import Settings
from service.bootstrap import bootstrap
from service.ledger import LedgerService
from service.pipeline import utc_now


def ledger_over(
    pool: asyncpg.Pool,
    rules: EconomyRules,
    *,
    catalog: Catalog = DEFAULT_CATALOG,
    group_commit: bool = False,
    clock: Callable[[], datetime] = utc_now,
) -> LedgerService:
    """A process's ledger over `pool` (call it in the event loop; close it after)."""
    settings = Settings(economy=rules, group_commit=group_commit)
    return bootstrap(settings, pool, catalog=catalog, clock=clock)
