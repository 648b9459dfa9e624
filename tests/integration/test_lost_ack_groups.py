"""A group's commit whose reply is lost: every key of the group applies once, and its retry
answers the original result (the lost-ack scenario's guarantee, deterministically)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from domain import accounts
from domain.assets import DEFAULT_CATALOG
from domain.commands import Purchase
from domain.ports import Session, Write
from infra.config import Settings
from infra.store import PgEventStore
from service.bootstrap import bootstrap
from service.ledger import LedgerService
from tests.integration.conftest import Audit, WalletFactory

PLAYERS = 6
_WRITTEN = """
SELECT version, metadata->>'transfer_id' AS transfer_id FROM events
 WHERE stream_id = $1 AND metadata->>'idempotency_key' = $2
"""


class _LossySession:
    """A real session whose first multi-command append commits, then loses its reply."""

    def __init__(self, session: Session, store: "_LossyStore") -> None:
        self._session = session
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def append(self, writes: Sequence[Write]) -> None:
        await self._session.append(writes)
        if len(writes) >= 2 and not self._store.dropped:
            self._store.dropped = [w.record.key for w in writes if w.record is not None]
            raise ConnectionResetError("connection reset after the group's COMMIT")


class _LossyStore(PgEventStore):
    dropped: list[str] | None = None

    @contextlib.asynccontextmanager
    async def session(self, locks: Sequence[str] = ()) -> AsyncIterator[Session]:
        async with super().session(locks) as session:
            yield _LossySession(session, self)


async def test_every_key_of_a_group_whose_reply_is_lost_applies_once(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    players = [await wallet(ledger, 100) for _ in range(PLAYERS)]
    store = _LossyStore(pool)
    settings = Settings(economy=ledger.rules, group_commit=False)
    lossy = bootstrap(settings, store=store, catalog=DEFAULT_CATALOG)
    # One runner: everything submitted while it is busy or asleep forms one group.
    lossy.start_group_commit(runners=1)
    try:
        buys = [Purchase(player_id=p, item="gold_coin") for p in players]
        first = await asyncio.gather(
            *(lossy.handle(b, f"k-{n}") for n, b in enumerate(buys)), return_exceptions=True
        )
        assert store.dropped is not None
        assert len(store.dropped) >= 2
        lost = {f"k-{n}" for n, answer in enumerate(first) if isinstance(answer, Exception)}
        assert lost == set(store.dropped)  # every key of the group heard the reset
        retried = await asyncio.gather(*(lossy.handle(b, f"k-{n}") for n, b in enumerate(buys)))
    finally:
        await lossy.close()
    for n, (player, answer) in enumerate(zip(players, retried, strict=True)):
        rows = await pool.fetch(_WRITTEN, accounts.player_account(player), f"k-{n}")
        assert len(rows) == 1  # applied once, whether its ack was lost or not
        assert (rows[0]["version"], rows[0]["transfer_id"]) == (answer.version, answer.transfer_id)
    balances = await audit()
    assert all(balances[accounts.player_account(p), "gold_coin"] == 1 for p in players)
