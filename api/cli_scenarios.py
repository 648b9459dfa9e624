"""`gameledger scenario NAME [--quick]`: the reliability and adversarial scenarios.

`scenario all` runs every one in turn. The exit status is 0 only if every invariant held and
every audit passed. The scenarios need the dev extras (httpx); see docs/reliability.md.
"""

import argparse
import asyncio
import importlib
import signal
from typing import Any

from api.scenarios import SCENARIOS, find, processes
from api.scenarios.outcome import Outcome, say


def register(subparsers: Any) -> None:
    """Add `scenario NAME [--quick]` to the `gameledger` parser."""
    parser = subparsers.add_parser("scenario", help="run a reliability or adversarial scenario")
    choices = [s.name for s in SCENARIOS] + ["all"]
    parser.add_argument("name", choices=choices, metavar="NAME", help=", ".join(choices))
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    parser.set_defaults(func=_scenario)


async def _scenario(args: argparse.Namespace, dsn: str) -> int:
    _cancel_on_sigterm()
    names = [s.name for s in SCENARIOS] if args.name == "all" else [args.name]
    try:
        outcomes = [await run_one(name, dsn, quick=args.quick) for name in names]
    except asyncio.CancelledError:
        say("scenario stopped by SIGTERM; its processes are stopped")
        return 143
    if len(outcomes) > 1:
        say("\nscenario          verdict  seconds")
        for o in outcomes:
            say(f"{o.name:<17} {'PASS' if o.ok else 'FAIL':<8} {o.figures.get('seconds', '')}")
    return 0 if all(o.ok for o in outcomes) else 1


async def run_one(name: str, dsn: str, *, quick: bool) -> Outcome:
    """Run one scenario; an exception it raises is a failure of that scenario."""
    module = importlib.import_module(find(name).module)
    say(f"== scenario {name} ({'quick' if quick else 'full'})")
    try:
        async with processes.owning():
            outcome: Outcome = await module.run(dsn, quick)
    except Exception as error:  # a crash of the harness or the service is a failed scenario
        outcome = Outcome(name, quick)
        outcome.check(False, f"the scenario stopped: {type(error).__name__}: {error}")
        outcome.finish()
    return outcome


def _cancel_on_sigterm() -> None:
    """SIGTERM (a CI timeout, `kill`) unwinds the scenario, so its clean-ups stop its processes.

    Its servers run in process groups of their own, out of reach of a signal to ours.
    """
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
