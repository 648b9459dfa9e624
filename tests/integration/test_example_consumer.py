"""The example consumer in examples/ keeps each player's spend per day from the feed."""

import asyncio
import json
import sys
from collections import defaultdict
from pathlib import Path

import asyncpg

from domain.assets import CURRENCY
from domain.commands import Purchase, Reverse, TopUp
from domain.events import Transferred
from infra import codec
from infra.config import Settings
from service.ledger import LedgerService
from tests.integration.feed_support import caught_up, feeding
from tests.integration.projection_support import sign_up_players

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "spend_per_day.py"


async def spend_from_the_log(pool: asyncpg.Pool) -> dict[str, dict[str, int]]:
    spend: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = await pool.fetch(
        "SELECT stream_id, event_type, schema_version, payload::text AS payload FROM events"
        " WHERE stream_id LIKE 'player:%' AND event_type = 'transferred'"
    )
    for row in rows:
        event = codec.decode(row["event_type"], row["schema_version"], row["payload"])
        assert isinstance(event, Transferred)
        own = sum(
            leg.amount for leg in event.legs
            if leg.account == row["stream_id"] and leg.asset == CURRENCY
        )  # fmt: skip
        if event.code == "purchase" or (event.code == "reversal" and own > 0):
            spend[row["stream_id"]][event.occurred_at.date().isoformat()] -= own
    return spend


async def test_the_example_consumer_sums_each_players_spend_per_day(
    pool: asyncpg.Pool, ledger: LedgerService, feed_settings: Settings
) -> None:
    players = await sign_up_players(ledger, 3, prefix="example")
    for n, player in enumerate(players):
        await ledger.handle(TopUp(player_id=player, amount=2000))
        for _ in range(n + 1):
            bought = await ledger.handle(Purchase(player_id=player, item="treasure_box"))
    await ledger.handle(
        Reverse(player_id=players[-1], transfer_id=bought.transfer_id, reason="t", actor="admin")
    )
    async with feeding(pool, feed_settings):
        await caught_up(pool)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE), feed_settings.nats_url or "", feed_settings.nats_stream,
        feed_settings.nats_subject_prefix, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0
    expected = await spend_from_the_log(pool)
    assert json.loads(out) == json.loads(json.dumps(expected))
    assert len(expected) == 3
