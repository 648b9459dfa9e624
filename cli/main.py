"""The `gameledger` command line: serve, migrate, seed, config and the operators' tools.

Every failure ends with a one-line message on stderr and a non-zero exit status.
"""

import argparse
import asyncio
import importlib
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
import msgspec

from infra import embedded, migrate
from infra import logging as infra_logging
from infra.config import DATA_DIR, ConfigError, Settings, load_settings, masked
from infra.db import create_pool
from service.bootstrap import bootstrap

Handler = Callable[[argparse.Namespace, str], Coroutine[Any, Any, int]]

# Subcommands contributed by other modules of the api layer (each has `register(subparsers)`).
_PLUGINS = (
    "cli.projections",
    "cli.admin",
    "cli.balance",
    "cli.catalog",
    "cli.receipts",
    "cli.tooling",
)
_FEED_PLUGINS = ("cli.feed",)  # the change feed and webhooks (issue 16)


def resolve_dsn(settings: Settings) -> str:
    """The database to use: DATABASE_URL, else the embedded server (started if needed)."""
    return settings.database_url or embedded.ensure_running("pg")


async def prepare(dsn: str, settings: Settings) -> list[str]:
    """Apply migrations and seed genesis (both idempotent); the migrations applied."""
    conn = await asyncpg.connect(dsn, timeout=settings.db_command_timeout)
    try:
        applied = await migrate.migrate(conn)
    finally:
        await conn.close()
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        ledger = bootstrap(settings, pool)
        try:
            await ledger.seed_genesis()
        finally:
            await ledger.close()
    finally:
        await pool.close()
    return applied


async def _migrate(args: argparse.Namespace, dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        applied = await migrate.migrate(conn)
    finally:
        await conn.close()
    print("applied: " + ", ".join(applied) if applied else "schema is up to date")
    return 0


async def _seed(args: argparse.Namespace, dsn: str) -> int:
    settings = load_settings()
    await prepare(dsn, settings)
    print("genesis is in place")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from api.http import server  # uvicorn, only for the command that serves

    if settings.database_url:
        dsn, owned = settings.database_url, False
    else:
        dsn, owned = embedded.start_owned("pg")
    try:
        asyncio.run(prepare(dsn, settings))
        os.environ["GAMELEDGER_DSN"] = dsn
        if settings.workers > 1:
            _metrics_dir()
        # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal with the
        # handler it found installed. Installed here, a no-op lets `serve` finish its own clean-up
        # (the embedded database) and exit 0 instead of dying by the signal.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        print(f"gameledger: serving on http://{settings.host}:{settings.port}", file=sys.stderr)
        server.run(settings)
    finally:
        if owned and not args.keep_database:
            embedded.stop("pg")
    return 0


def _metrics_dir() -> None:
    """A fresh folder where every worker writes its metrics, so a scrape sees them all."""
    import shutil

    path = DATA_DIR.resolve() / f"metrics-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def _config(args: argparse.Namespace, settings: Settings) -> int:
    data: dict[str, Any] = masked(settings)
    print(msgspec.json.format(msgspec.json.encode(data)).decode())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="gameledger", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API, projectors and web console")
    serve.add_argument(
        "--keep-database", action="store_true", help="leave the embedded PostgreSQL running on exit"
    )
    serve.set_defaults(local=_serve)
    sub.add_parser("config", help="print the effective configuration").set_defaults(local=_config)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)
    sub.add_parser("seed", help="migrate and mint genesis (idempotent)").set_defaults(func=_seed)
    for name in (*_PLUGINS, *_FEED_PLUGINS):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `gameledger` console script."""
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run a parsed command (`local`, or `func` on the database) with the command line's
    settings, logging and one-line failures (the tooling's entry points use it too)."""
    try:
        settings = load_settings()
        # LOG_FORMAT and LOG_LEVEL hold for every command that logs (`project` runs for days);
        # `config` only prints.
        if getattr(args, "command", None) != "config":
            infra_logging.configure(settings.log_format, settings.log_level)
        if hasattr(args, "local"):
            result: int = args.local(args, settings)
            return result
        dsn = resolve_dsn(settings)
        handler: Handler = args.func
        return asyncio.run(handler(args, dsn))
    except ConfigError as error:
        print(f"gameledger: configuration error: {error}", file=sys.stderr)
        return 2
    except (ConnectionError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        detail = (str(error).splitlines() or [type(error).__name__])[0]
        print(f"gameledger: database error: {detail}", file=sys.stderr)
        return 3
    except OSError as error:
        print(f"gameledger: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
