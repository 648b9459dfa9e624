"""`gameledger admin create USERNAME`: create an operator account, or promote an existing one;
`gameledger admin revoke USERNAME`: end every session of a player.

The password comes from GAMELEDGER_ADMIN_PASSWORD or a prompt (never from an argument, which
would land in the shell history and the process list).
"""

import argparse
import getpass
import os
import sys
from typing import Any

from cli.common import settings_of
from cli.main import prepare
from domain.account_errors import InvalidPassword
from domain.errors import DomainError
from infra.db import create_pool
from service import sessions
from service.admins import create_admin

PASSWORD_ENV = "GAMELEDGER_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a secret


def register(subparsers: Any) -> None:
    """Add `admin create USERNAME` and `admin revoke USERNAME` to the command line."""
    admin = subparsers.add_parser("admin", help="operators' accounts")
    commands = admin.add_subparsers(dest="admin_command", required=True)
    create = commands.add_parser(
        "create",
        help="create an admin account, or promote an existing player (and set its password)",
    )
    create.add_argument("username")
    create.add_argument(
        "--role",
        choices=("admin", "service"),
        default="admin",
        help="admin (operators) or service (game servers: the batch endpoint)",
    )
    create.set_defaults(func=_create)
    revoke = commands.add_parser(
        "revoke",
        help="revoke every session of a player: all its tokens are refused within a second",
    )
    revoke.add_argument("username")
    revoke.set_defaults(func=_revoke)


async def _create(args: argparse.Namespace, dsn: str) -> int:
    settings = settings_of(args)
    try:
        password = read_password()
        await prepare(dsn, settings)
        pool = await create_pool(dsn, settings, min_size=1, max_size=2)
        try:
            outcome = await create_admin(pool, settings, args.username, password, role=args.role)
        finally:
            await pool.close()
    except DomainError as error:
        print(f"gameledger: {error.detail}", file=sys.stderr)
        return 1
    print(f"{args.username}: {outcome} as {args.role}")
    return 0


def read_password() -> str:
    """The new password from the environment or, twice, from the terminal."""
    password = os.environ.get(PASSWORD_ENV)
    if password is None and not sys.stdin.isatty():  # getpass would read a pipe, or die at EOF
        raise InvalidPassword(f"no terminal to ask the password on: set {PASSWORD_ENV}")
    if password is None:
        password = getpass.getpass("Password for the admin: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise InvalidPassword("the two passwords differ")
    if not 8 <= len(password) <= 128:
        raise InvalidPassword("passwords are 8-128 characters")
    return password


async def _revoke(args: argparse.Namespace, dsn: str) -> int:
    settings = settings_of(args)
    try:
        await prepare(dsn, settings)
        pool = await create_pool(dsn, settings, min_size=1, max_size=2)
        try:
            count = await sessions.revoke_username(pool, args.username, settings.token_ttl_seconds)
        finally:
            await pool.close()
    except DomainError as error:
        print(f"gameledger: {error.detail}: {args.username}", file=sys.stderr)
        return 1
    print(f"{args.username}: every session revoked ({count} refresh sessions ended)")
    return 0
