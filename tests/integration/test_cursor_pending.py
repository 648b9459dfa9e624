"""The cursor's `pending`: events a read did not reach are pending, whatever the horizon does.

`catch_up` stops when a batch is not full and nothing is pending. If `pending` judged by a fresh
horizon, a writer that ended between the read and the check would leave its events neither read
nor pending, and catch_up would return without them (seen in CI: a wallet still stale after
catch_up while another test's transaction closed at that moment).

The horizon is cluster-wide: a test in another database may hold it back after our holder has
ended, so the test waits for the horizon to pass the signup, and checks that the signup stays
pending for as long as it has not been read.
"""

import asyncio

import asyncpg

from domain.commands import SignUp
from projections import cursor
from service.job import Sender
from service.ledger import LedgerService


async def test_events_above_the_horizon_of_a_read_stay_pending_after_it_moves(
    pool: asyncpg.Pool, ledger: LedgerService, db_dsn: str
) -> None:
    holder = await asyncpg.connect(db_dsn)
    try:
        async with holder.transaction():
            await holder.fetchval("SELECT pg_current_xact_id()")  # holds the horizon back
            signed = await ledger.handle(
                SignUp(username="late_reader"), caller=Sender(password_hash="hash")
            )
            async with pool.acquire() as conn:
                batch = await cursor.read_after(conn, cursor.START, 10_000)
                assert "player:" + signed.player_id not in [e.stream_id for e in batch.events]
        # The holder has ended; the horizon passes the signup once no other transaction in the
        # cluster that began before it is still open (the first read may even have stopped
        # short of the genesis, written before the holder began).
        async with pool.acquire() as conn:
            last, streams = batch.last, [e.stream_id for e in batch.events]
            for _ in range(600):
                if "player:" + signed.player_id in streams:
                    break
                assert await cursor.pending(conn, last)
                await asyncio.sleep(0.05)
                rest = await cursor.read_after(conn, last, 10_000)
                last, streams = rest.last, streams + [e.stream_id for e in rest.events]
            assert "player:" + signed.player_id in streams
            assert not await cursor.pending(conn, last)
    finally:
        await holder.close()
