"""The change feed on a JetStream cluster: `python -m harness scenario feed-cluster [--quick]`.

Three `nats-server` nodes (Debian's package) clustered with JetStream on loopback ports, the
service's NATS_URL naming all three and NATS_REPLICAS=3, so the feed's stream keeps three
copies (R3). HTTP clients top up and buy while a consumer reads the stream live; a third of the
way in, the node leading the stream is SIGKILLed. JetStream elects another leader, the feed
reconnects to a live node and resumes from the stream's last message. Once the load is over
the node comes back (its machine restarts) before the stream is read back.

When the load stops, the stream must equal the log in order, each event once (as the feed
scenario checks on one node), and the live consumer must have seen every event once, in order,
with no gap. Like any JetStream consumer it is delivered at least once: a message whose
acknowledgement was lost with the node comes again, and the consumer drops it by its stream
sequence (the count of such redeliveries is reported).
"""

import asyncio
import contextlib
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import nats
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from harness import processes
from harness.checks import audit
from harness.client import Api
from harness.database import fresh_database
from harness.feed import (
    answers,
    checkpointed,
    compare,
    delete_stream,
    feed_caught_up,
    judge,
    log_order,
    write,
)
from harness.outcome import Outcome, say
from harness.server import free_port, service_env, serving


class Node:
    """One nats-server of the cluster, its JetStream store in `root/name`."""

    def __init__(self, root: Path, name: str) -> None:
        self.name, self.store = name, root / name
        self.port, self.route = free_port(), free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: processes.Process | None = None

    async def start(self, routes: str) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.process = await processes.spawn(
            binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store),
            "-n", self.name, "--cluster_name", "gameledger",
            "--cluster", f"nats://127.0.0.1:{self.route}", "--routes", routes,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    async def kill(self) -> None:
        if self.process is not None:
            await processes.kill(self.process)


@contextlib.asynccontextmanager
async def nats_cluster(size: int = 3) -> AsyncIterator[list[Node]]:
    """`size` clustered JetStream servers, all answering; killed and removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="gl-nats-cluster-"))
    nodes = [Node(root, f"n{n}") for n in range(size)]
    routes = ",".join(f"nats://127.0.0.1:{n.route}" for n in nodes)
    try:
        for node in nodes:
            await node.start(routes)
        async with asyncio.timeout(60):
            while not all([await answers(n.url) for n in nodes]):  # noqa: ASYNC110 - a meta leader
                await asyncio.sleep(0.2)
        yield nodes
    finally:
        for node in nodes:
            await node.kill()
        shutil.rmtree(root, ignore_errors=True)


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn` and a cluster of its own."""
    outcome = Outcome("feed-cluster", quick)
    clients, rounds = (4, 30) if quick else (16, 200)
    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"GLCLUSTER_{tag}", f"glcluster.{tag}"
    async with nats_cluster() as nodes, fresh_database(server_dsn, "feed_cluster") as dsn:
        url = ",".join(n.url for n in nodes)
        env = service_env(
            dsn, NATS_URL=url, NATS_STREAM=stream, NATS_SUBJECT_PREFIX=prefix, NATS_REPLICAS="3"
        )
        reader = Reader(url, stream, prefix)
        try:
            async with serving(env) as server, Api(server.base) as api:
                players = [await api.player("cluster") for _ in range(clients)]
                await _replicated(outcome, url, stream)
                consuming = asyncio.create_task(reader.run())
                logged = asyncio.create_task(_logged(dsn, clients * rounds // 3))
                writers = [asyncio.create_task(write(api, p, rounds)) for p in players]
                await logged  # a third of the way in
                victim = await _kill_leader(outcome, nodes, stream)
                await asyncio.gather(*writers)
                lag = await feed_caught_up(dsn, 120)
                await _restart(victim, nodes, stream)
            outcome.figure("lag after the last write, s", lag and round(lag, 3))
            outcome.check(lag is not None, "the feed did not catch up")
            await compare(outcome, dsn, url, stream, prefix)
            await reader.finish(outcome, dsn)
            consuming.cancel()
            await audit(outcome, dsn)
        finally:
            await delete_stream(",".join(n.url for n in nodes), stream)
    outcome.finish()
    return outcome


async def _quiet(_: Exception) -> None:
    """The reader's connection errors are the fault under test: counted, not logged."""


async def _replicated(outcome: Outcome, url: str, stream: str) -> None:
    """The feed created the stream with three copies (waiting for its first publish)."""
    client = await nats.connect(url.split(","), allow_reconnect=False)
    try:
        async with asyncio.timeout(30):
            while True:
                with contextlib.suppress(NatsError):
                    info = await client.jetstream().stream_info(stream)
                    break
                await asyncio.sleep(0.1)
    finally:
        await client.close()
    replicas = info.config.num_replicas
    outcome.figure("stream replicas", replicas)
    outcome.check(replicas == 3, f"the feed's stream has {replicas} copies, not 3")


async def _kill_leader(outcome: Outcome, nodes: list[Node], stream: str) -> Node:
    leader = await _leader(nodes, stream)
    victim = next(n for n in nodes if n.name == leader)
    await victim.kill()
    say(f"feed-cluster: killed {victim.name}, the stream's leader")
    outcome.figure("nodes killed", 1)
    return victim


async def _leader(nodes: list[Node], stream: str, patience: float = 30.0) -> str:
    """The name of the node leading the stream (the answer may lack one for a moment)."""
    client = await nats.connect([n.url for n in nodes], allow_reconnect=False, error_cb=_quiet)
    try:
        async with asyncio.timeout(patience):
            while True:
                info = await client.jetstream().stream_info(stream)
                if info.cluster and info.cluster.leader:
                    return info.cluster.leader
                await asyncio.sleep(0.1)
    finally:
        await client.close()


async def _logged(dsn: str, more: int, patience: float = 120.0) -> None:
    """Until the log holds `more` events than when called (the load's progress, not the clock)."""
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        events = await conn.fetchval("SELECT count(*) FROM events") + more
        async with asyncio.timeout(patience):
            while await conn.fetchval("SELECT count(*) FROM events") < events:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def _restart(victim: Node, nodes: list[Node], stream: str) -> None:
    """The dead node's machine comes back, with its store, and the stream is whole again: a
    leader and every other copy current.

    Until then, a consumer that JetStream placed on it (its meta group still counts it as a
    peer) delivers nothing: reading back waits for it, as an operator would.
    """
    await victim.start(",".join(f"nats://127.0.0.1:{n.route}" for n in nodes))
    async with asyncio.timeout(60):
        while not await answers(victim.url):  # noqa: ASYNC110 - polling the server
            await asyncio.sleep(0.2)
        while not await _whole(nodes, stream):  # noqa: ASYNC110 - polling the cluster
            await asyncio.sleep(0.2)


async def _whole(nodes: list[Node], stream: str) -> bool:
    """True when the stream has a leader and its other copies are current."""
    try:
        client = await nats.connect([n.url for n in nodes], allow_reconnect=False, error_cb=_quiet)
    except Exception:
        return False
    try:
        info = await client.jetstream().stream_info(stream)
    except Exception:
        return False
    finally:
        await client.close()
    cluster = info.cluster
    replicas = (cluster.replicas or []) if cluster else []
    return (
        bool(cluster and cluster.leader)
        and len(replicas) == len(nodes) - 1
        and all(r.current for r in replicas)
    )


class Reader:
    """A live consumer of the stream: an ordered consumer (it starts over after the last
    message it saw whenever a delivery is missing or its server goes away), reconnecting."""

    def __init__(self, url: str, stream: str, prefix: str) -> None:
        self.url, self.stream, self.prefix = url, stream, prefix
        self.ids: list[str] = []
        self.last = 0  # the stream sequence of the last message taken
        self.again = 0  # deliveries of a sequence already taken, dropped
        self.skipped = 0  # sequences that never came (must stay 0)
        self.reconnects = 0

    async def run(self) -> None:
        client = await nats.connect(
            self.url.split(","), max_reconnect_attempts=-1, reconnect_time_wait=0.2,
            error_cb=_quiet, reconnected_cb=self._reconnected,
        )  # fmt: skip
        try:
            sub = await client.jetstream().subscribe(
                f"{self.prefix}.>", stream=self.stream, ordered_consumer=True
            )
            while True:
                with contextlib.suppress(TimeoutError, NatsError):
                    self.take(await sub.next_msg(timeout=1.0))
        finally:
            await client.close()

    async def _reconnected(self) -> None:
        self.reconnects += 1

    def take(self, msg: Msg) -> None:
        seq = msg.metadata.sequence.stream
        if seq <= self.last:
            self.again += 1
            return
        self.skipped += seq - self.last - 1
        self.last = seq
        self.ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))

    async def finish(self, outcome: Outcome, dsn: str, patience: float = 60.0) -> None:
        """Wait until it has read as many messages as the log has events, then judge."""
        covered = await checkpointed(dsn)
        deadline = time.monotonic() + patience
        while len(self.ids) < covered and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # anything published past the checkpoint
        ids = list(self.ids)
        log = await log_order(dsn)  # after the reading: it holds at least what was read
        outcome.figure("live consumer: messages", len(ids))
        outcome.figure("live consumer: redeliveries dropped", self.again)
        outcome.figure("live consumer: reconnections", self.reconnects)
        outcome.check(not self.skipped, f"the live consumer missed {self.skipped} sequences")
        judge(outcome, "the live consumer", ids, log, covered)
