"""Which share of the treasury shards this API process draws on (service/shards.py `Home`).

Each process claims one slot, a session advisory lock, on a connection of its own, and every
`interval` seconds reads which slots are claimed in its database: it is writer `rank` of `of`
live ones, and tells `home(rank, of)`. A process that dies loses its slot with its session, so
the others' shares grow back within an interval. Nothing rests on this for correctness (two
processes on one shard only race for its next version, and one retries): it only makes those
races rare. Without a connection, or with every slot taken, the process draws on every shard.
"""

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
import structlog

from infra.follower import Connect

_log = structlog.get_logger(__name__)

SLOT_LOCK = 0x676C10  # the advisory lock class (first key); the second key is the slot
SLOTS = 64

# Two-key advisory locks show in pg_locks as classid = key 1, objid = key 2, objsubid = 2.
_LIVE = """
SELECT objid::bigint AS slot FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid = $1::bigint::oid
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY 1
"""


class ShardSlots:
    """Keeps `home(rank, of)` current for this process (module doc)."""

    def __init__(
        self, connect: Connect, home: Callable[[int, int], None], *, interval: float = 1.0
    ) -> None:
        self._connect, self._home, self._interval = connect, home, interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Claim a slot and follow the others in the background."""
        self._task = asyncio.create_task(self._run(), name="shard-slots")

    async def stop(self) -> None:
        """Give the slot back (its connection closes) and stop following."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._home(0, 1)

    async def _run(self) -> None:
        while True:
            try:
                conn = await self._connect()
                try:
                    await self._follow(conn)
                finally:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: every shard until it is back
                _log.warning("shard slot lost; drawing on every shard", exc_info=True)
            self._home(0, 1)
            await asyncio.sleep(self._interval)

    async def _follow(self, conn: asyncpg.Connection) -> None:
        mine = await _claim(conn)
        if mine is None:
            _log.warning("every shard slot is taken; drawing on every shard", slots=SLOTS)
        while True:
            if mine is not None:
                live = [row["slot"] for row in await conn.fetch(_LIVE, SLOT_LOCK)]
                if mine in live:
                    self._home(live.index(mine), len(live))
                else:  # not seen (cannot happen while the session lives): every shard
                    self._home(0, 1)
            await asyncio.sleep(self._interval)


async def _claim(conn: asyncpg.Connection) -> int | None:
    """The first free slot, locked for this session (None: all taken)."""
    for slot in range(SLOTS):
        if await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", SLOT_LOCK, slot):
            return slot
    return None
