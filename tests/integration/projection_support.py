"""Helpers shared by the projection tests: traffic on the ledger, running projectors, dumps."""

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from domain.commands import Purchase, Reverse, SignUp, TopUp
from domain.errors import DomainError
from infra.config import Settings
from projections.runner import RunnerOptions, run_projectors
from service.job import Sender
from service.ledger import LedgerService

MODELS = {
    "rm_players": "player_id",
    "rm_inventory": "player_id, item",
    "rm_wallets": "player_id",
    "rm_wallet_escrows": "escrow",
    "rm_accounts": "account, asset",
    "rm_treasury": "asset",
    "rm_history": "player_id, version",
    "rm_lots": "player_id",
}

FAST = RunnerOptions(poll_interval=0.02, standby_interval=0.2)


async def sign_up_players(ledger: LedgerService, count: int, prefix: str = "player") -> list[str]:
    """`count` players, each but the first referred by the previous one."""
    ids: list[str] = []
    code: str | None = None
    for n in range(count):
        player = await ledger.handle(
            SignUp(username=f"{prefix}{n}", referral_code=code), caller=Sender(password_hash="h")
        )
        ids.append(player.player_id)
        code = player.referral_code
    return ids


async def play(ledger: LedgerService, player_id: str, rounds: int, rng: random.Random) -> None:
    """A player's session: top-ups, purchases and now and then a reversal."""
    for _ in range(rounds):
        topped = await ledger.handle(TopUp(player_id=player_id, amount=rng.randint(50, 500)))
        with contextlib.suppress(DomainError):
            bought = await ledger.handle(
                Purchase(player_id=player_id, item=rng.choice(["gold_coin", "treasure_box"]))
            )
            if rng.random() < 0.1:
                await ledger.handle(
                    Reverse(
                        player_id=player_id,
                        transfer_id=bought.transfer_id,
                        reason="test",
                        actor="admin",
                    )
                )
        if rng.random() < 0.05:
            with contextlib.suppress(DomainError):
                await ledger.handle(
                    Reverse(
                        player_id=player_id,
                        transfer_id=topped.transfer_id,
                        reason="chargeback",
                        actor="admin",
                    )
                )


async def traffic(
    ledger: LedgerService, players: int = 4, rounds: int = 5, seed: int = 7
) -> list[str]:
    """Players who sign up (with referrals) and play concurrently; their ids."""
    ids = await sign_up_players(ledger, players, prefix=f"s{seed}_")
    rng = random.Random(seed)
    await asyncio.gather(*(play(ledger, pid, rounds, random.Random(rng.random())) for pid in ids))
    return ids


async def dump_models(conn: asyncpg.Connection | Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row, in key order."""
    return {
        table: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        for table, key in MODELS.items()
    }


@contextlib.asynccontextmanager
async def projectors(
    target: str | asyncpg.Pool, options: RunnerOptions = FAST, settings: Settings | None = None
) -> AsyncIterator[asyncio.Task[None]]:
    """Projectors running in the background for the duration of the block."""
    stop = asyncio.Event()
    config = settings or Settings(environment="test")
    task = asyncio.create_task(run_projectors(target, config, stop, options))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def wait_caught_up(pool: asyncpg.Pool, seconds: float = 10.0) -> None:
    """Until every projector's lag is zero (raises TimeoutError)."""
    from projections.queries import projector_status

    async with asyncio.timeout(seconds):
        while True:
            async with pool.acquire() as conn:
                status = await projector_status(conn)
            if all(s.lag_events == 0 for s in status):
                return
            await asyncio.sleep(0.02)
