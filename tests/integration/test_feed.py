"""The change feed against a real nats-server: every event once, in log order, never skipped."""

import asyncio
import random
import uuid
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats

from domain.accounts import player_account
from domain.commands import Purchase, TopUp
from domain.players import decide_purchase
from domain.state import player_state
from harness.server import free_port
from infra import eventstore
from infra.broker import Broker
from infra.config import Settings
from projections import feed
from service.ledger import LedgerService
from tests.integration.feed_support import caught_up, feeding, log_order, stream_messages
from tests.integration.projection_support import play, sign_up_players


async def test_every_event_of_a_mixed_workload_arrives_once_in_log_order(
    pool: asyncpg.Pool, ledger: LedgerService, feed_settings: Settings
) -> None:
    players = await sign_up_players(ledger, 6, prefix="feedmix")
    async with feeding(pool, feed_settings):
        rng = random.Random(7)
        await asyncio.gather(*(play(ledger, p, 8, random.Random(rng.random())) for p in players))
        await caught_up(pool)
    found = await stream_messages(feed_settings.nats_url or "", feed_settings)
    ids = [msg_id for msg_id, _, _ in found]
    assert Counter(ids).most_common(1)[0][1] == 1  # no duplicate
    assert ids == await log_order(pool)  # none missing, in the cursor's order
    versions: dict[str, list[int]] = {}
    for _, body, _ in found:
        versions.setdefault(body["streamId"], []).append(body["version"])
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())  # per-stream order


async def test_a_purchase_message_has_the_documented_subject_body_and_id(
    pool: asyncpg.Pool, ledger: LedgerService, feed_settings: Settings
) -> None:
    [player] = await sign_up_players(ledger, 1, prefix="feedbody")
    await ledger.handle(TopUp(player_id=player, amount=500))
    bought = await ledger.handle(Purchase(player_id=player, item="gold_coin"))
    async with feeding(pool, feed_settings):
        await caught_up(pool)
    found = await stream_messages(feed_settings.nats_url or "", feed_settings)
    [(msg_id, body, subject)] = [m for m in found if m[1]["eventType"] == "transferred.purchase"]
    assert subject == f"{feed_settings.nats_subject_prefix}.player.transferred.purchase"
    assert msg_id == body["id"] == f"{player_account(player)}@{body['version']}"
    assert set(body) == {
        "id", "globalPosition", "streamId", "streamKind", "version", "eventType", "event",
        "metadata", "occurredAt", "recordedAt",
    }  # fmt: skip
    assert body["streamKind"] == "player"
    event = body["event"]
    assert event["transferId"] == bought.transfer_id
    assert event["code"] == "purchase"
    assert event["item"] == "gold_coin"
    assert {"account", "asset", "amount"} == set(event["legs"][0])
    assert event["balanceAfter"] == bought.balances["diamond"]
    assert isinstance(body["metadata"], dict)


async def test_a_late_committing_writer_is_published_not_skipped(
    pool: asyncpg.Pool, ledger: LedgerService, feed_settings: Settings
) -> None:
    late, *others = await sign_up_players(ledger, 3, prefix="feedlate")
    await ledger.handle(TopUp(player_id=late, amount=500))
    async with feeding(pool, feed_settings):
        await caught_up(pool)
        conn = await pool.acquire()
        try:
            transaction = conn.transaction()
            await transaction.start()
            state = player_state(late, await eventstore.latest(conn, player_account(late)))
            decision = decide_purchase(
                state, Purchase(player_id=late, item="gold_coin"), catalog=ledger.catalog,
                transfer_id=str(uuid.uuid4()), rules=ledger.rules, now=datetime.now(UTC),
            )  # fmt: skip
            await eventstore.append(conn, decision.appends, metadata={"actor": "late"})
            # Writers that took later positions commit first; the feed keeps running meanwhile.
            for player in others:
                await ledger.handle(TopUp(player_id=player, amount=100))
            await asyncio.sleep(0.2)
            await transaction.commit()
        finally:
            await pool.release(conn)
        await caught_up(pool)
    ids = [
        msg_id
        for msg_id, _, _ in await stream_messages(feed_settings.nats_url or "", feed_settings)
    ]
    assert sorted(ids) == sorted(await log_order(pool))
    assert len(ids) == len(set(ids))


async def test_after_an_outage_longer_than_the_window_it_resumes_after_the_last_message(
    pool: asyncpg.Pool, ledger: LedgerService, feed_settings: Settings
) -> None:
    settings = msgspec.structs.replace(feed_settings, nats_duplicate_window_seconds=0.2)
    players = await sign_up_players(ledger, 3, prefix="feedwin")
    async with feeding(pool, settings):
        await caught_up(pool)
    published = await pool.fetchval("SELECT count(*) FROM events")
    # The checkpoint falls behind the stream (as after a crash between the acknowledgement and
    # the checkpoint), and JetStream's duplicate window has run out: only the lookup can help.
    await pool.execute("DELETE FROM projector_checkpoints WHERE name = 'feed'")
    await _outlive_the_window(settings)
    for player in players:
        await ledger.handle(TopUp(player_id=player, amount=100))
    async with feeding(pool, settings):
        await caught_up(pool)
    ids = [msg_id for msg_id, _, _ in await stream_messages(settings.nats_url or "", settings)]
    assert ids == await log_order(pool)
    assert len(ids) == await pool.fetchval("SELECT count(*) FROM events") > published
    applied = await pool.fetchval(
        "SELECT events_applied FROM projector_checkpoints WHERE name = 'feed'"
    )
    assert applied == len(ids)


async def test_a_second_feed_stands_by_and_nothing_is_published_twice(
    pool: asyncpg.Pool, ledger: LedgerService, feed_settings: Settings
) -> None:
    players = await sign_up_players(ledger, 4, prefix="feedtwo")
    async with feeding(pool, feed_settings), feeding(pool, feed_settings):
        await asyncio.gather(*(play(ledger, p, 4, random.Random(p)) for p in players))
        await caught_up(pool)
    ids = [
        msg_id
        for msg_id, _, _ in await stream_messages(feed_settings.nats_url or "", feed_settings)
    ]
    assert ids == await log_order(pool)


async def test_the_stream_is_created_with_the_retention_setting(feed_settings: Settings) -> None:
    broker = await feed.open_broker(msgspec.structs.replace(feed_settings, nats_retention_days=2))
    try:
        client = await nats.connect(feed_settings.nats_url or "", allow_reconnect=False)
        info = await client.jetstream().stream_info(feed_settings.nats_stream)
        await client.close()
    finally:
        await broker.close()
    assert info.config.max_age == 2 * 86400
    assert info.config.subjects == [f"{feed_settings.nats_subject_prefix}.>"]


async def _outlive_the_window(settings: Settings) -> None:
    """Wait until JetStream no longer remembers ids published before now (probed, not timed)."""
    broker = await Broker.connect(settings.nats_url or "", settings.nats_stream)
    client = await nats.connect(settings.nats_url or "", allow_reconnect=False)
    js = client.jetstream()
    probe = {"Nats-Msg-Id": f"probe-{uuid.uuid4()}"}
    subject = f"{settings.nats_subject_prefix}.probe"
    try:
        seqs = [(await js.publish(subject, b"", headers=probe)).seq]
        async with asyncio.timeout(60):
            ack = await js.publish(subject, b"", headers=probe)
            while ack.duplicate:
                await asyncio.sleep(0.05)
                ack = await js.publish(subject, b"", headers=probe)
        seqs.append(ack.seq)
        for seq in seqs:  # the probes leave no trace in the stream
            await js.delete_msg(settings.nats_stream, seq)
    finally:
        await client.close()
        await broker.close()


async def test_a_dead_server_in_nats_url_does_not_keep_the_feed_away(nats_url: str) -> None:
    # NATS_URL names every node of a cluster; when one is down, connecting must reach the
    # others, whichever order the client tries them in (it shuffles them).
    dead = f"nats://127.0.0.1:{free_port()}"
    for _ in range(8):
        broker = await Broker.connect(f"{dead}, {nats_url}", "GLTEST_UNUSED", wait=2.0)
        await broker.close()
