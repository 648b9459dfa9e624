"""`gameledger clawback --filter code=grant --filter meta.campaign=x --reason … [--dry-run]`:
reverse every transfer a filter matches, once, what was spent becoming debt (the same as
`POST /admin/clawbacks`). It works the clawback itself with a progress bar, beside the
service's runner (each step is claimed once, so both may run), and ends with the summary of
`GET /admin/clawbacks/{id}`. A bad filter ends with one line on stderr and a non-zero status.
"""

import argparse
import sys
import uuid
from typing import Any

from api.http.filters import TIME_EXAMPLE, rfc3339
from cli.common import live_catalog, print_json, settings_of, wire
from domain import accounts
from domain.clawback_events import ClawbackFilter
from domain.commands import StartClawback
from domain.errors import DomainError
from infra.db import create_pool
from projections.progress import Progress
from service.bootstrap import bootstrap
from service.clawback import Started, dry_run, status
from service.clawback_runner import work_clawback
from service.job import Sender

ACTOR = "cli"
_USAGE = "code=CODE, asset=CODE, from=TIME, to=TIME, player=USERNAME or meta.KEY=VALUE"


class FilterError(ValueError):
    """A --filter the command line cannot read."""


def register(subparsers: Any) -> None:
    """Add `clawback` to the `gameledger` parser."""
    cmd = subparsers.add_parser(
        "clawback", help="reverse every transfer a filter matches, once, with debt for the spent"
    )
    cmd.add_argument(
        "--filter", action="append", default=[], metavar="KEY=VALUE", help=f"one of {_USAGE}"
    )
    cmd.add_argument("--reason", required=True, help="why, recorded on every reversal")
    cmd.add_argument("--dry-run", action="store_true", help="show what it would do; write nothing")
    cmd.set_defaults(func=_clawback)


def parse_filter(pairs: list[str]) -> ClawbackFilter:
    """The filter the `--filter KEY=VALUE` options say, or FilterError naming the bad one."""
    fields: dict[str, Any] = {"metadata": {}, "players": []}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not value:
            raise FilterError(f"--filter {pair}: expected KEY=VALUE, one of {_USAGE}")
        if key.startswith("meta.") and len(key) > 5:
            fields["metadata"][key[5:]] = value
        elif key == "player":
            fields["players"].append(value)
        elif key in ("code", "asset"):
            fields[key] = value
        elif key in ("from", "to"):
            at = rfc3339(value)
            if at is None:
                raise FilterError(f"--filter {key}: an RFC 3339 time, e.g. {TIME_EXAMPLE}")
            fields["from_" if key == "from" else "to"] = at
        else:
            raise FilterError(f"--filter {key}: unknown; use {_USAGE}")
    fields["players"] = tuple(fields["players"])
    return ClawbackFilter(**fields)


def _fail(message: str, status: int) -> int:
    print(f"gameledger: {message}", file=sys.stderr)
    return status


async def _clawback(args: argparse.Namespace, dsn: str) -> int:
    try:
        wanted = parse_filter(args.filter)
    except FilterError as error:
        return _fail(str(error), 2)
    settings = settings_of(args)
    pool = await create_pool(dsn, settings, min_size=1, max_size=4)
    try:
        async with pool.acquire() as conn:
            catalog = await live_catalog(conn)
        ledger = bootstrap(settings, pool, catalog=catalog)
        try:
            if args.dry_run:
                print_json(await dry_run(ledger, wanted))
                return 0
            command = StartClawback(filter=wanted, reason=args.reason, actor=ACTOR)
            started: Started = await ledger.handle(command, uuid.uuid4().hex, Sender(ACTOR))
            bar = Progress("clawback", started.total)
            stream = accounts.clawback_stream(started.clawback_id)
            await work_clawback(pool, ledger, stream, on_step=lambda _: bar.advance(1))
            bar.finish()
            summary = await status(pool, started.clawback_id)
        finally:
            await ledger.close()
    except DomainError as error:
        return _fail(error.said or error.detail, 1)
    finally:
        await pool.close()
    print_json(wire(summary))
    return 0 if summary.status == "done" else 1
