"""`gameledger catalog apply FILE`: validate a catalog and make it the live one everywhere."""

import argparse
import sys
from pathlib import Path
from typing import Any

from domain.errors import CatalogRefused
from infra.catalog import CatalogInvalid, parse_catalog
from infra.config import load_settings
from infra.db import create_pool
from service.bootstrap import bootstrap
from service.catalog import apply_catalog


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
    settings = load_settings()
    try:
        catalog = parse_catalog(_read(args.file))
    except CatalogInvalid as error:
        return _refused(error.reasons)
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        ledger = bootstrap(settings, pool)
        try:
            await ledger.align_with_genesis()
            applied = await apply_catalog(ledger, catalog, actor="cli")
        finally:
            await ledger.close()
    except CatalogRefused as error:
        return _refused(list(error.context["reasons"]))
    finally:
        await pool.close()
    seeded = f"; genesis minted for {', '.join(applied.seeded)}" if applied.seeded else ""
    print(f"catalog version {applied.version} applied{seeded}")
    return 0


def _read(path: str) -> bytes:
    return Path(path).read_bytes()  # before the event loop has anything else to do


def _refused(reasons: list[str]) -> int:
    print("gameledger: the catalog is refused:", file=sys.stderr)
    for reason in reasons:
        print(f"  - {reason}", file=sys.stderr)
    return 1
