"""`gameledger bench [--quick]`: the benchmark harness (see api/bench/)."""

import argparse
import asyncio
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `bench` subcommand."""
    parser = subparsers.add_parser("bench", help="measure our service beside the machine's limits")
    parser.add_argument(
        "--quick", action="store_true", help="a short run that only checks it works"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("bench-results"), help="JSON output folder"
    )
    parser.set_defaults(func=_bench)


async def _bench(args: argparse.Namespace, dsn: str) -> int:
    from api.bench.run import run

    # The harness drives its own event loops and subprocesses: leave this loop alone.
    await asyncio.to_thread(run, dsn, quick=args.quick, out_dir=args.out)
    return 0
