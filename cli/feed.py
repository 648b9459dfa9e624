"""`gameledger feed` (the JetStream publisher and the webhooks) and `gameledger webhooks ...`."""

import argparse
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec

from cli.common import print_json, settings_of
from domain.errors import DomainError
from infra.config import Settings
from infra.db import create_pool
from service import webhooks as webhook_admin


def register(subparsers: Any) -> None:
    """Add `feed` and `webhooks` to the command line."""
    feed = subparsers.add_parser(
        "feed", help="publish every event to NATS JetStream (NATS_URL) and deliver webhooks"
    )
    feed.set_defaults(func=_feed)
    hooks = subparsers.add_parser("webhooks", help="webhook endpoints and deliveries")
    commands = hooks.add_subparsers(dest="webhooks_command", required=True)
    add = commands.add_parser("add", help="register an endpoint (prints its secret)")
    add.add_argument("url")
    add.add_argument("--event", action="append", required=True, help="an event key; repeatable")
    add.add_argument("--description")
    add.add_argument(
        "--from",
        dest="start",
        default="end",
        type=_start,
        metavar="WHERE",
        help="where deliveries begin: end (the default: only new events), beginning, or a "
        "log position",
    )
    add.set_defaults(func=_run(_add))
    commands.add_parser("list", help="every endpoint").set_defaults(func=_run(_list))
    for name, action, says in (
        ("disable", _disable, "stop delivering to an endpoint"),
        ("enable", _enable, "deliver to a disabled endpoint again"),
        ("rotate", _rotate, "give an endpoint a new secret (prints it)"),
        ("delete", _delete, "remove an endpoint"),
    ):
        command = commands.add_parser(name, help=says)
        command.add_argument("id", type=uuid.UUID)
        command.set_defaults(func=_run(action))
    failed = commands.add_parser("failed", help="deliveries that exhausted their retries")
    failed.set_defaults(func=_run(_failed))
    again = commands.add_parser("redeliver", help="attempt a delivery again now")
    again.add_argument("delivery", type=int)
    again.set_defaults(func=_run(_redeliver))


async def _feed(args: argparse.Namespace, dsn: str) -> int:
    from projections.feed_runner import serve_feed

    settings = msgspec.structs.replace(settings_of(args), run_webhooks=True)
    if not settings.nats_url:
        print("gameledger: NATS_URL is not set: delivering webhooks only", file=sys.stderr)
    await serve_feed(dsn, settings)
    return 0


# Where HTTP names a field otherwise (api/ops/webhooks.py), or leaves it out.
_HTTP_NAMES: dict[str, str | None] = {"event_key": "eventType", "updated_at": None}


def _start(text: str) -> str | int:
    if text in ("beginning", "end"):
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError("expected end, beginning or a log position (1 or more)")


Action = Callable[[asyncpg.Pool, Settings, argparse.Namespace], Awaitable[object]]


def _run(action: Action) -> Callable[[argparse.Namespace, str], Awaitable[int]]:
    async def handler(args: argparse.Namespace, dsn: str) -> int:
        settings = settings_of(args)
        pool = await create_pool(dsn, settings, min_size=1, max_size=2)
        try:
            result = await action(pool, settings, args)
        except DomainError as error:
            print(f"gameledger: {error.detail}", file=sys.stderr)
            return 1
        finally:
            await pool.close()
        if result is not None:  # as /admin/webhooks answers
            print_json(result, _HTTP_NAMES)
        return 0

    return handler


async def _add(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    return await webhook_admin.register(
        pool, settings, args.url, args.event, args.description, args.start
    )


async def _list(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    return {"endpoints": await webhook_admin.endpoints(pool)}


async def _disable(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    return await webhook_admin.set_enabled(pool, args.id, False)


async def _enable(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    return await webhook_admin.set_enabled(pool, args.id, True)


async def _rotate(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    return await webhook_admin.rotate(pool, args.id)


async def _delete(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    await webhook_admin.delete(pool, args.id)
    return {"deleted": str(args.id)}


async def _failed(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    return {"deliveries": await webhook_admin.deliveries(pool, "failed")}


async def _redeliver(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace) -> object:
    await webhook_admin.redeliver(pool, settings, args.delivery)
    return {"redelivering": args.delivery}
