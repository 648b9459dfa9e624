"""`gameledger whatif --catalog NEW.json [--from T] [--to T] [--html report.html]`: the
recorded demand replayed under a candidate catalog (the same as `POST /admin/whatif`), with a
progress bar over the log; the report as JSON in the API's casing, and with `--html` one
self-contained page with charts. It reads the log and writes nothing to the ledger."""

import argparse
import sys
from pathlib import Path
from typing import Any

from api.http.filters import TIME_EXAMPLE, rfc3339
from cli.common import print_json, settings_of
from domain.assets import DEFAULT_CATALOG
from infra import catalog_store
from infra.catalog import CatalogInvalid, load_catalog, parse_catalog
from infra.config import ConfigError
from infra.db import create_pool
from projections.progress import Progress
from projections.whatif import log_head, what_if
from projections.whatif_page import render


def register(subparsers: Any) -> None:
    """Add `whatif` to the `gameledger` parser."""
    cmd = subparsers.add_parser(
        "whatif", help="replay the recorded demand under a candidate catalog; writes nothing"
    )
    cmd.add_argument("--catalog", required=True, metavar="FILE", help="the candidate catalog")
    cmd.add_argument("--from", dest="start", metavar="TIME", help="replay from (RFC 3339)")
    cmd.add_argument("--to", dest="end", metavar="TIME", help="replay until (RFC 3339)")
    cmd.add_argument("--html", metavar="FILE", help="also write the report as an HTML page")
    cmd.set_defaults(func=_whatif)


def _read(path: str) -> bytes:
    return Path(path).read_bytes()  # a small file, before anything else runs


def _write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def _fail(message: str) -> int:
    print(f"gameledger: {message}", file=sys.stderr)
    return 2


async def _whatif(args: argparse.Namespace, dsn: str) -> int:
    times = {name: getattr(args, name) for name in ("start", "end")}
    parsed = {name: rfc3339(value) if value else None for name, value in times.items()}
    for name, value in times.items():
        if value and parsed[name] is None:
            flag = "--from" if name == "start" else "--to"
            return _fail(f"{flag} must be an RFC 3339 time with a zone, e.g. {TIME_EXAMPLE}")
    try:
        candidate = parse_catalog(_read(args.catalog))
    except OSError as error:
        return _fail(f"cannot read {args.catalog}: {error.strerror}")
    except CatalogInvalid as error:
        return _fail(f"the catalog is refused: {'; '.join(error.reasons)}")
    settings = settings_of(args)
    try:
        base = load_catalog(settings.catalog_file) if settings.catalog_file else DEFAULT_CATALOG
    except (ConfigError, CatalogInvalid):
        base = DEFAULT_CATALOG
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            catalogs = await catalog_store.versions(conn, base)
            upto = await log_head(conn)
            bar = Progress("whatif", upto)
            report = await what_if(
                conn, candidate, catalogs, start=parsed["start"], end=parsed["end"],
                progress=bar.advance, upto=upto,
            )  # fmt: skip
            bar.finish()
    finally:
        await pool.close()
    if args.html:
        _write(args.html, render(report))
        print(f"gameledger: wrote {args.html}", file=sys.stderr)
    print_json(report)
    return 0
