"""`gameledger scenario` and `gameledger bench` moved out of the product: they are development
tooling, run from a checkout with `python -m harness scenario NAME` and `python -m bench` (or
`make scenario NAME=...` and `make bench`). These stubs say so in one line."""

import argparse
import sys
from typing import Any

from infra.config import Settings

_WHERE = {
    "scenario": "python -m harness scenario NAME [--quick] (make scenario NAME=...)",
    "bench": "python -m bench [--quick] (make bench)",
}


def register(subparsers: Any) -> None:
    """Add `scenario` and `bench`, which point at the development entry points."""
    for name, where in _WHERE.items():
        parser = subparsers.add_parser(name, help=f"development tooling: {where}")
        # The old arguments still parse, so the answer is where to go, not a usage error.
        parser.add_argument("name", nargs="?", help=argparse.SUPPRESS)
        parser.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)
        for option in ("--out", "--only", "--soak"):
            parser.add_argument(option, help=argparse.SUPPRESS)
        parser.set_defaults(local=_moved)


def _moved(args: argparse.Namespace, settings: Settings) -> int:
    print(
        f"gameledger: {args.command} is development tooling: from a checkout, run "
        f"{_WHERE[args.command]}",
        file=sys.stderr,
    )
    return 2
