"""`python -m bench [--quick] [--only GROUPS] [--soak SECONDS] [--rounds N] [--round-seconds S]
[--projectors in|apart|off]`: the benchmark (`make bench`).

The benchmark is development tooling, run from a checkout: the product never imports it and the
wheel does not ship it.
"""

import argparse
import asyncio
import sys
from pathlib import Path

from bench import run as bench
from bench.side import PROJECTORS
from cli.main import run

GROUPS = "limits, baseline, inprocess, service, side, batch, lag, soak, rebuild, replica"


def build_parser() -> argparse.ArgumentParser:
    """The benchmark's options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
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
    parser.add_argument(
        "--rounds",
        type=int,
        metavar="N",
        help="alternating rounds of the side-by-side group (default: 4, or 2 with --quick)",
    )
    parser.add_argument(
        "--round-seconds",
        type=float,
        metavar="SECONDS",
        help="length of each run of a side-by-side round (default: 5, or 1 with --quick)",
    )
    parser.add_argument(
        "--projectors",
        choices=sorted(PROJECTORS),
        default="in",
        help="where the side-by-side group's service runs its projectors: "
        + "; ".join(f"{name}: {what}" for name, what in PROJECTORS.items()),
    )
    parser.set_defaults(func=_bench)
    return parser


async def _bench(args: argparse.Namespace, dsn: str) -> int:
    try:
        only = bench.parse_only(args.only)
    except ValueError as error:
        print(f"bench: --only: {error}", file=sys.stderr)
        return 2
    if args.soak is not None and args.soak <= 0:
        print("bench: --soak must be a positive number of seconds", file=sys.stderr)
        return 2
    if (args.rounds is not None and args.rounds < 1) or (
        args.round_seconds is not None and args.round_seconds < 1
    ):
        print("bench: --rounds and --round-seconds must be at least 1", file=sys.stderr)
        return 2
    # The harness drives its own event loops and subprocesses: leave this loop alone.
    await asyncio.to_thread(
        bench.run,
        dsn,
        quick=args.quick,
        out_dir=args.out,
        only=only,
        soak_seconds=args.soak,
        rounds=args.rounds,
        round_seconds=args.round_seconds,
        projectors=args.projectors,
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(build_parser().parse_args()))
