"""The expirer's port (domain.ports.Overdue) over the holds, trades and lots read models."""

from datetime import datetime

import asyncpg

from projections import holds, lots, trades


class ReadModelOverdue:
    """Which holds, trade offers and lots are due, each from the read model that owns it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def holds(self, now: datetime, limit: int) -> list[str]:
        """Pending holds whose expiry has passed, oldest first."""
        async with self._pool.acquire() as conn:
            return await holds.due(conn, now, limit)

    async def trades(self, now: datetime, limit: int) -> list[str]:
        """Open trade offers whose expiry has passed, oldest first."""
        async with self._pool.acquire() as conn:
            return await trades.due(conn, now, limit)

    async def lots(self, now: datetime, limit: int) -> list[str]:
        """Players holding a lot whose expiry has passed, soonest first."""
        async with self._pool.acquire() as conn:
            return await lots.due(conn, now, limit)
