"""`gameledger bench [--quick] [--only GROUPS] [--soak SECONDS]`: the benchmark (bench/).

The benchmark is development tooling, beside this package in a checkout and not in the wheel:
it is loaded by name when the command runs, so the product never imports it.
"""

import argparse
import asyncio
import importlib
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
    try:
        bench = importlib.import_module("bench.run")
    except ModuleNotFoundError as error:
        if error.name not in ("bench", "bench.run"):
            raise
        print("gameledger: the benchmark is development tooling (bench/): run it from a checkout",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        only = bench.parse_only(args.only)
    except ValueError as error:
        print(f"gameledger: --only: {error}", file=sys.stderr)
        return 2
    if args.soak is not None and args.soak <= 0:
        print("gameledger: --soak must be a positive number of seconds", file=sys.stderr)
        return 2
    # The harness drives its own event loops and subprocesses: leave this loop alone.
    await asyncio.to_thread(
        bench.run, dsn, quick=args.quick, out_dir=args.out, only=only, soak_seconds=args.soak
    )
    return 0
