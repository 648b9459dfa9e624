"""`gameledger bench [--quick] [--only GROUPS] [--soak SECONDS]`: the harness (api/bench/)."""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

GROUPS = "limits, baseline, inprocess, service, batch, lag, soak, rebuild"


def register(subparsers: Any) -> None:
    """Add the `bench` subcommand."""
    parser = subparsers.add_parser("bench", help="measure our service beside the machine's limits")
    parser.add_argument(
        "--quick", action="store_true", help="a short run that only checks it works"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("bench-results"), help="JSON and SVG output folder"
    )
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help=f"comma-separated measurement groups to run ({GROUPS}); default: all",
    )
    parser.add_argument(
        "--soak",
        type=float,
        metavar="SECONDS",
        help="length of the memory soak under mixed load (default: 600, or 3 with --quick)",
    )
    parser.set_defaults(func=_bench)


async def _bench(args: argparse.Namespace, dsn: str) -> int:
    from api.bench.run import parse_only, run

    try:
        only = parse_only(args.only)
    except ValueError as error:
        print(f"gameledger: --only: {error}", file=sys.stderr)
        return 2
    if args.soak is not None and args.soak <= 0:
        print("gameledger: --soak must be a positive number of seconds", file=sys.stderr)
        return 2
    # The harness drives its own event loops and subprocesses: leave this loop alone.
    await asyncio.to_thread(
        run, dsn, quick=args.quick, out_dir=args.out, only=only, soak_seconds=args.soak
    )
    return 0
