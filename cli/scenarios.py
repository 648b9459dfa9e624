"""`gameledger scenario NAME [--quick]`: the reliability and adversarial scenarios.

`scenario all` runs every one in turn. The exit status is 0 only if every invariant held and
every audit passed. The scenarios are development tooling (harness/, beside this package in a
checkout, not in the wheel): they are loaded by name when the command runs, so the product
never imports them. They need the dev extras (httpx); see docs/reliability.md.
"""

import argparse
import importlib
import sys
from types import ModuleType
from typing import Any

HARNESS = "harness"
MISSING = "gameledger: the scenarios are development tooling (harness/): run them from a checkout"


def register(subparsers: Any) -> None:
    """Add `scenario NAME [--quick]` to the `gameledger` parser."""
    parser = subparsers.add_parser("scenario", help="run a reliability or adversarial scenario")
    harness = _harness()
    choices = [s.name for s in harness.SCENARIOS] + ["all"] if harness is not None else None
    parser.add_argument(
        "name", choices=choices, metavar="NAME", help=", ".join(choices or ["a scenario"])
    )
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    parser.set_defaults(func=_scenario)


async def _scenario(args: argparse.Namespace, dsn: str) -> int:
    if _harness() is None:
        print(MISSING, file=sys.stderr)
        return 2
    runner = importlib.import_module(f"{HARNESS}.cli")
    status: int = await runner.scenario(args.name, dsn, quick=args.quick)
    return status


def _harness() -> ModuleType | None:
    """The scenario registry, or None where the harness is absent (an installed wheel)."""
    try:
        return importlib.import_module(HARNESS)
    except ModuleNotFoundError as error:
        if error.name != HARNESS:
            raise
        return None
