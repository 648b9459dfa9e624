"""The `gameledger` command line: serve, migrate, seed, config and the operators' tools.

Every failure ends with a one-line message on stderr and a non-zero exit status.
"""

import argparse
import asyncio
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import asyncpg
import msgspec

from cli.catalog import apply_at_start
from cli.common import catalog_origin, live_catalog, settings_of
from domain.errors import DomainError
from infra import embedded, migrate
from infra import logging as infra_logging
from infra.config import (
    DATA_DIR,
    ENV_FILE,
    ConfigError,
    Settings,
    layers,
    load_settings,
    sourced,
    write_env_file,
)
from infra.db import create_pool
from service.bootstrap import bootstrap

Handler = Callable[[argparse.Namespace, str], Coroutine[Any, Any, int]]

# Subcommands contributed by other modules of the api layer (each has `register(subparsers)`).
_PLUGINS = (
    "cli.projections",
    "cli.admin",
    "cli.balance",
    "cli.catalog",
    "cli.clawback",
    "cli.whatif",
    "cli.receipts",
    "cli.tooling",
)
_FEED_PLUGINS = ("cli.feed",)  # the change feed and webhooks (issue 16)


async def prepare(dsn: str, settings: Settings, *, catalog_file: str | None = None) -> list[str]:
    """Apply migrations and seed genesis (both idempotent), and with `catalog_file` (a server's
    start) make that catalog live unless it is already; the migrations applied."""
    conn = await asyncpg.connect(dsn, timeout=settings.db_command_timeout)
    try:
        applied = await migrate.migrate(conn)
    finally:
        await conn.close()
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        async with pool.acquire() as pooled:
            live = await live_catalog(pooled)
        ledger = bootstrap(settings, pool, catalog=live)
        try:
            await ledger.seed_genesis()
            if catalog_file:
                print(f"gameledger: {await apply_at_start(ledger, catalog_file)}", file=sys.stderr)
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
    await prepare(dsn, settings_of(args))
    print("genesis is in place")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from api.http import server  # uvicorn, only for the command that serves

    if args.save_env:
        write_env_file()
    if settings.database_url:
        dsn, owned = settings.database_url, False
    else:
        dsn, owned = embedded.start_owned("pg")
    try:
        asyncio.run(prepare(dsn, settings, catalog_file=settings.catalog_file))
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
    sources = {var: source for var, (_, source) in layers(env_file=True).items()}
    shown = {
        "envFile": str(ENV_FILE.resolve()) if ENV_FILE.is_file() else None,
        "catalog": _catalog_shown(settings),
        "settings": sourced(settings, sources),
    }
    print(msgspec.json.format(msgspec.json.encode(shown)).decode())
    return 0


def _catalog_shown(settings: Settings) -> dict[str, Any]:
    """The live catalog's version and source, read from the log (a database that is not there
    is said so, not an error: `config` works without one)."""
    try:
        with _database(settings) as dsn:
            return asyncio.run(asyncio.wait_for(_read_origin(dsn), 10))
    except Exception as error:  # any reason the log cannot be read is worth one line here
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        return {"version": None, "source": f"unknown: the log is unreadable ({reason})"}


async def _read_origin(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await catalog_origin(conn)
    finally:
        await conn.close()


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[str]:
    """DATABASE_URL, else the embedded server: started for this command if it was not running,
    and then stopped at its end; left alone when another process (`make run`) runs it."""
    if settings.database_url:
        yield settings.database_url
    else:
        with embedded.for_command("pg") as dsn:
            yield dsn


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="gameledger", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API, projectors and web console")
    serve.add_argument(
        "--keep-database", action="store_true", help="leave the embedded PostgreSQL running on exit"
    )
    serve.add_argument(
        "--save-env",
        action="store_true",
        help=f"save the settings to {ENV_FILE} for the other commands (make run does)",
    )
    serve.set_defaults(local=_serve)
    sub.add_parser(
        "config", help="print each setting, where it came from, and the live catalog"
    ).set_defaults(local=_config)
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
        # `serve` is configured by its environment alone; every other command also reads the
        # env file a server saved, so it works on the same database with the same settings.
        args.settings = settings = load_settings(env_file=getattr(args, "command", None) != "serve")
        # LOG_FORMAT and LOG_LEVEL hold for every command that logs (`project` runs for days);
        # `config` only prints.
        if getattr(args, "command", None) != "config":
            infra_logging.configure(settings.log_format, settings.log_level)
        if hasattr(args, "local"):
            result: int = args.local(args, settings)
            return result
        handler: Handler = args.func
        with _database(settings) as dsn:
            return asyncio.run(handler(args, dsn))
    except ConfigError as error:
        return _failed(f"configuration error: {error}", 2)
    except (ConnectionError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        return _failed(f"database error: {_first_line(error)}", 3)
    except DomainError as error:
        return _failed(error.detail, 1)
    except OSError as error:
        return _failed(str(error), 3)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: still one line, with the type to search the code for
        return _failed(f"unexpected {type(error).__name__}: {_first_line(error)}", 1)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _failed(message: str, status: int) -> int:
    print(f"gameledger: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
