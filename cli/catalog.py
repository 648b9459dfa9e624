"""`gameledger catalog apply FILE`: validate a catalog and make it the live one everywhere; and
CATALOG_FILE at a server's start, which seeds the log's first version or applies a new one.

The live catalog is the `catalog` stream's newest version (the built-in one before any): every
process, the command line and the audit read it from the log.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

import msgspec

from cli.common import live_catalog, settings_of
from domain.assets import Catalog
from domain.shop_errors import CatalogRefused
from infra.catalog import CatalogInvalid, load_catalog, parse_catalog
from infra.config import ConfigError
from infra.db import create_pool
from service.bootstrap import bootstrap
from service.catalog import AppliedCatalog, apply_catalog
from service.ledger import LedgerService


def register(subparsers: Any) -> None:
    """Add the `catalog` command."""
    catalog = subparsers.add_parser("catalog", help="the live catalog")
    commands = catalog.add_subparsers(dest="catalog_command", required=True)
    apply = commands.add_parser(
        "apply", help="validate FILE and make it the live catalog of every process"
    )
    apply.add_argument("file", help="a catalog in the catalog.json format")
    apply.set_defaults(func=_apply)


async def _apply(args: argparse.Namespace, dsn: str) -> int:
    settings = settings_of(args)
    try:
        catalog = parse_catalog(_read(args.file))
    except CatalogInvalid as error:
        return _refused(error.reasons)
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            live = await live_catalog(conn)
        if same(catalog, live):
            print(f"catalog version {live.version} is this file already: nothing applied")
            return 0
        ledger = bootstrap(settings, pool, catalog=live)
        try:
            await ledger.align_with_genesis()
            applied = await apply_catalog(ledger, catalog, actor="cli")
        finally:
            await ledger.close()
    except CatalogRefused as error:
        return _refused(list(error.context["reasons"]))
    finally:
        await pool.close()
    print(f"catalog version {applied.version} applied{_seeded(applied)}")
    return 0


def same(wanted: Catalog, live: Catalog) -> bool:
    """True when `wanted` says what `live` says (whatever its version)."""
    return msgspec.structs.replace(wanted, version=live.version) == live


def _seeded(applied: AppliedCatalog) -> str:
    return f"; genesis minted for {', '.join(applied.seeded)}" if applied.seeded else ""


async def apply_at_start(ledger: LedgerService, path: str) -> str:
    """Make CATALOG_FILE live unless it already is (the same items, currencies and prices as
    the log's newest version); what was done, in a few words. A refused file is a ConfigError:
    the server does not start on a catalog it was not asked to serve."""
    wanted = load_catalog(path)
    live = ledger.catalog
    if same(wanted, live):
        return f"catalog version {live.version} is CATALOG_FILE already"
    try:
        applied = await apply_catalog(ledger, wanted, actor=f"CATALOG_FILE={path}")
    except CatalogRefused as error:
        raise ConfigError(f"CATALOG_FILE={path!r}: {error.detail}") from None
    return f"CATALOG_FILE applied as catalog version {applied.version}{_seeded(applied)}"


def _read(path: str) -> bytes:
    return Path(path).read_bytes()  # before the event loop has anything else to do


def _refused(reasons: list[str]) -> int:
    print("gameledger: the catalog is refused:", file=sys.stderr)
    for reason in reasons:
        print(f"  - {reason}", file=sys.stderr)
    return 1
