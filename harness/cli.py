"""What `python -m harness scenario` runs (harness/__main__.py parses the command)."""

import asyncio
import importlib
import signal

from harness import SCENARIOS, find, processes
from harness.outcome import Outcome, say


async def scenario(name: str, dsn: str, *, quick: bool) -> int:
    """Run `name` (or every scenario for `all`); 0 only if every one passed."""
    _cancel_on_sigterm()
    names = [s.name for s in SCENARIOS] if name == "all" else [name]
    try:
        outcomes = [await run_one(n, dsn, quick=quick) for n in names]
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
