"""`python -m projections [DSN]`: a standalone projector process (DSN defaults to DATABASE_URL).

The same loop as `gameledger project`, without the api layer: operators' scripts and the
kill-and-restart tests start it directly. It never runs the sweeper: that is a writer (the
write side, service/sweeper.py), which `gameledger project` and the API run.
"""

import argparse
import asyncio
import os
import sys

from infra.config import load_settings
from projections.registry import PROJECTIONS
from projections.runner import RunnerOptions, serve


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m projections", description=__doc__)
    parser.add_argument("dsn", nargs="?", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--only", nargs="*", choices=list(PROJECTIONS), default=None)
    parser.add_argument("--poll", type=float, default=0.5, help="poll interval in seconds")
    parser.add_argument("--batch", type=int, default=1000, help="events per batch")
    args = parser.parse_args(argv)
    if not args.dsn:
        print("projections: give a DSN or set DATABASE_URL", file=sys.stderr)
        return 2
    options = RunnerOptions(
        names=tuple(args.only or PROJECTIONS),
        poll_interval=args.poll,
        batch_size=args.batch,
    )
    asyncio.run(serve(args.dsn, load_settings(), options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
