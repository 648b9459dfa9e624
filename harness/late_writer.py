"""A writer that commits late: it appends a purchase, then holds its transaction open.

Its events take their global positions at INSERT and become visible seconds later, after
writers that started after it have committed: the case a position-only cursor skips.
"""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg

from domain.accounts import player_account
from domain.commands import EconomyRules, Purchase
from domain.players import decide_purchase
from domain.state import player_state
from infra import eventstore
from infra.catalog import load_catalog
from infra.config import load_settings


async def late_writes(dsn: str, player_id: str, hold: float, stop: asyncio.Event) -> int:
    """Purchases held open `hold` seconds each until `stop`; how many committed."""
    settings = load_settings()
    catalog, rules = load_catalog(settings.catalog_file), EconomyRules()
    stream = player_account(player_id)
    committed = 0
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        while not stop.is_set():
            async with conn.transaction():
                state = player_state(player_id, await eventstore.latest(conn, stream))
                decision = decide_purchase(
                    state,
                    Purchase(player_id=player_id, item="gold_coin"),
                    catalog=catalog,
                    transfer_id=str(uuid.uuid4()),
                    rules=rules,
                    now=datetime.now(UTC),
                )
                await eventstore.append(conn, decision.appends, metadata={"actor": "late"})
                await asyncio.sleep(hold)
            committed += 1
    finally:
        await conn.close()
    return committed
