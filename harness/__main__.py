"""`python -m harness scenario NAME [--quick]`: the reliability and adversarial scenarios.

`scenario all` runs every one in turn. The exit status is 0 only if every invariant held and
every audit passed. The scenarios are development tooling, run from a checkout (`make scenario
NAME=...`); the product never imports them and the wheel does not ship them. They need the dev
extras (httpx); see docs/reliability.md.
"""

import argparse
import sys

from cli.main import run
from harness import SCENARIOS
from harness.cli import scenario


def build_parser() -> argparse.ArgumentParser:
    """`scenario NAME [--quick]`."""
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    command = sub.add_parser("scenario", help="run a reliability or adversarial scenario")
    choices = [s.name for s in SCENARIOS] + ["all"]
    command.add_argument("name", choices=choices, metavar="NAME", help=", ".join(choices))
    command.add_argument("--quick", action="store_true", help="a small run for CI")
    command.set_defaults(func=_scenario)
    return parser


async def _scenario(args: argparse.Namespace, dsn: str) -> int:
    return await scenario(args.name, dsn, quick=args.quick)


if __name__ == "__main__":
    sys.exit(run(build_parser().parse_args()))
