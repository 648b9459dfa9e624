"""`gameledger balance USERNAME [--at TIME | --version N]`: a player's wallet now or in the past.

The same answer as `GET /admin/players/{username}/balance` (projections/past.py). A bad time,
version or username ends with a one-line message on stderr and a non-zero exit status.
"""

import argparse
import sys
from typing import Any

from api.http.filters import TIME_EXAMPLE, rfc3339
from cli.common import print_json, settings_of, wire
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY
from domain.errors import DomainError
from infra import credentials
from infra.db import create_pool
from projections.past import PastWallet, wallet_at


def register(subparsers: Any) -> None:
    """Add `balance USERNAME` to the `gameledger` parser."""
    balance = subparsers.add_parser(
        "balance", help="a player's wallet now, after a version, or at a time"
    )
    balance.add_argument("username")
    when = balance.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="TIME", help=f"an RFC 3339 time, e.g. {TIME_EXAMPLE}")
    when.add_argument("--version", type=int, metavar="N", help="a version of the player's stream")
    balance.add_argument("--json", action="store_true", help="machine-readable answer")
    balance.set_defaults(func=_balance)


def _fail(message: str, status: int) -> int:
    print(f"gameledger: {message}", file=sys.stderr)
    return status


async def _balance(args: argparse.Namespace, dsn: str) -> int:
    at = None if args.at is None else rfc3339(args.at)
    if args.at is not None and at is None:
        return _fail(f"--at must be an RFC 3339 time with a zone, e.g. {TIME_EXAMPLE}", 2)
    if args.version is not None and args.version < 1:
        return _fail("--version must be a whole number of at least 1", 2)
    pool = await create_pool(dsn, settings_of(args), min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            login = await credentials.by_username(conn, args.username)
            if login is None:
                raise UnknownPlayer("no player has this username")
            wallet = await wallet_at(conn, login.player_id, version=args.version, at=at)
    except DomainError as error:
        return _fail(f"{error.detail}: {args.username}", 1)
    finally:
        await pool.close()
    if args.json:  # the names of GET /admin/players/{username}/balance
        print_json({"balance": wallet.balances.get(CURRENCY, 0), **wire(wallet)})
    else:
        print(describe(wallet))
    if wallet.stale:
        print("gameledger: the history projection is behind; newer events may be missing",
              file=sys.stderr)  # fmt: skip
    return 0


def describe(wallet: PastWallet) -> str:
    """One line for a person: the version, when, and every balance."""
    if wallet.version == 0:
        return f"{wallet.username}: did not exist yet"
    held = ", ".join(f"{asset} {n}" for asset, n in sorted(wallet.balances.items())) or "nothing"
    when = wallet.as_of.isoformat() if wallet.as_of else "?"
    return f"{wallet.username} after version {wallet.version} ({when}): {held}"
