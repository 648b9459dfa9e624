"""The change feed under load and a crash: `python -m harness scenario feed [--quick]`.

A service with NATS_URL set serves HTTP clients that top up and buy; it is SIGKILLed once
mid-run and restarted. When the load stops, JetStream's messages must equal the events table
in log order, each exactly once; the publish rate and the lag after the last write are
reported. The broker is NATS_URL's when set, else 127.0.0.1:4222 when it answers, else a
nats-server of the scenario's own (Debian's package). Its stream is the scenario's own and is
deleted at the end.
"""

import asyncio
import contextlib
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import nats
from nats.js.errors import NotFoundError

from harness.checks import audit
from harness.client import Api, Player, new_key
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.server import free_port, service_env, serving

SHARED = "nats://127.0.0.1:4222"


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("feed", quick)
    clients, rounds = (4, 25) if quick else (16, 200)
    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"GLSCENARIO_{tag}", f"glscenario.{tag}"
    async with broker() as url, fresh_database(server_dsn, "feed") as dsn:
        env = service_env(dsn, NATS_URL=url, NATS_STREAM=stream, NATS_SUBJECT_PREFIX=prefix)
        try:
            async with serving(env) as server, Api(server.base) as api:
                players = [await api.player("feed") for _ in range(clients)]
                writers = [asyncio.create_task(write(api, p, rounds)) for p in players]
                await asyncio.sleep(0.5 if quick else 3.0)
                await server.kill()
                await server.start()
                outcome.figure("SIGKILLs of the service", 1)
                await asyncio.gather(*writers)
                lag = await feed_caught_up(dsn, 120)
            outcome.figure("lag after the last write, s", lag and round(lag, 3))
            outcome.check(lag is not None, "the feed did not catch up")
            await compare(outcome, dsn, url, stream, prefix)
            await audit(outcome, dsn)
        finally:
            await delete_stream(url, stream)
    outcome.finish()
    return outcome


async def write(api: Api, player: Player, rounds: int) -> None:
    rng = random.Random(player.user_id)
    for _ in range(rounds):
        path, body = ("/top-up", {"amount": rng.randint(10, 200)}) if rng.random() < 0.5 else (
            "/purchase", {"item": "gold_coin"})  # fmt: skip
        await api.until_known("POST", path, json=body, token=player.token, key=new_key())


async def feed_caught_up(dsn: str, patience: float) -> float | None:
    began = time.monotonic()
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        while time.monotonic() - began < patience:
            if await conn.fetchval(
                "SELECT coalesce((SELECT events_applied FROM projector_checkpoints"
                " WHERE name = 'feed') >= (SELECT count(*) FROM events), false)"
            ):
                return time.monotonic() - began
            await asyncio.sleep(0.02)
    finally:
        await conn.close()
    return None


async def compare(outcome: Outcome, dsn: str, url: str, stream: str, prefix: str) -> None:
    """The stream's messages are the log's events in order, each once.

    Read in this order, while the sweeper may still append: the feed's checkpoint (the stream
    holds at least that much), the stream, then the log (which holds at least the stream).
    """
    covered = await checkpointed(dsn)
    began = time.monotonic()
    ids = await _stream_ids(url, stream, prefix)
    log = await log_order(dsn)
    outcome.figure("events", len(log))
    outcome.figure("events up to the feed's checkpoint", covered)
    outcome.figure("messages in the stream", len(ids))
    outcome.figure("read back, messages/s", round(len(ids) / max(time.monotonic() - began, 1e-9)))
    judge(outcome, "the stream", ids, log, covered)


async def log_order(dsn: str) -> list[str]:
    """The events' message ids in the cursor's order."""
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        rows = await conn.fetch(
            "SELECT stream_id, version FROM events ORDER BY transaction_id, global_position"
        )
    finally:
        await conn.close()
    return [f"{r['stream_id']}@{r['version']}" for r in rows]


async def checkpointed(dsn: str) -> int:
    """How many events the feed has checkpointed as published."""
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        covered: int = await conn.fetchval(_COVERED)
    finally:
        await conn.close()
    return covered


def judge(outcome: Outcome, what: str, ids: list[str], log: list[str], covered: int) -> None:
    """`ids` (messages as read) is an exact prefix of the log reaching the feed's checkpoint."""
    # The sweeper may append a transfer after the feed caught up, and the stopping service may
    # have published a batch it did not checkpoint: hence a prefix, not the whole log.
    outcome.check(len(ids) == len(set(ids)), f"{what} holds duplicates")
    outcome.check(ids == log[: len(ids)], f"{what} is not the log in order (a gap or reorder)")
    outcome.check(len(ids) >= covered, f"the checkpoint passed events {what} does not hold")


_COVERED = """
SELECT count(*) FROM events AS e, projector_checkpoints AS c
 WHERE c.name = 'feed'
   AND (e.transaction_id, e.global_position) <= (c.transaction_id, c.global_position)
"""


async def _stream_ids(url: str, stream: str, prefix: str) -> list[str]:
    client = await nats.connect(url.split(","), allow_reconnect=False)
    try:
        js = client.jetstream()
        total = (await js.stream_info(stream)).state.messages
        sub = await js.pull_subscribe(f"{prefix}.>", stream=stream)
        ids: list[str] = []
        while len(ids) < total:
            for msg in await sub.fetch(1000, timeout=10):
                ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
                await msg.ack()
        return ids
    finally:
        await client.close()


async def delete_stream(url: str, stream: str) -> None:
    with contextlib.suppress(Exception):
        client = await nats.connect(url.split(","), allow_reconnect=False)
        try:
            with contextlib.suppress(NotFoundError):
                await client.jetstream().delete_stream(stream)
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def broker() -> AsyncIterator[str]:
    """NATS_URL, the shared server on 4222, or a nats-server of our own."""
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
        return
    if await answers(SHARED):
        yield SHARED
        return
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gl-nats-") as store:
        process = await asyncio.create_subprocess_exec(
            binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"nats://127.0.0.1:{port}"
            async with asyncio.timeout(30):
                while not await answers(url):  # noqa: ASYNC110 - polling the server
                    await asyncio.sleep(0.05)
            yield url
        finally:
            process.terminate()
            await process.wait()


async def answers(url: str) -> bool:
    """True when a JetStream-enabled server answers at `url`."""
    try:
        client = await nats.connect(url, connect_timeout=1, allow_reconnect=False, error_cb=_quiet)
    except Exception:
        return False
    try:
        await client.jetstream().account_info()
        return True
    except Exception:
        return False
    finally:
        await client.close()


async def _quiet(_: Exception) -> None:
    """A server not answering yet is what `answers` asks about: nothing to log."""
