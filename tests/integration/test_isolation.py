"""One command PostgreSQL refuses fails alone; honest commands of its group commit once."""

import asyncio

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import Purchase, SignUp, TopUp
from domain.errors import InvalidText
from service.batch import BatchItem, execute
from service.job import Sender
from service.ledger import LedgerService
from service.results import TransferResult
from tests.integration.conftest import Audit

# What slipped past the HTTP boundary: PostgreSQL refuses it in jsonb (22P05).
NUL = {"note": "a\u0000b"}
BAD = 40


async def players(ledger: LedgerService, count: int) -> list[str]:
    made = [
        await ledger.handle(SignUp(username=f"honest{n}"), caller=Sender(password_hash="hash"))
        for n in range(count)
    ]
    for player in made:
        await ledger.handle(TopUp(player_id=player.player_id, amount=100))
    return [p.player_id for p in made]


def item(n: int, player: str) -> BatchItem:
    """Top-ups and purchases by turns; the one at BAD carries a NUL in its metadata."""
    meta = NUL if n == BAD else {}
    if n % 2:
        return BatchItem(command=TopUp(player_id=player, amount=10, metadata=meta), key=f"k{n}")
    command = Purchase(player_id=player, item="gold_coin", metadata=meta)
    return BatchItem(command=command, key=f"k{n}")


async def test_63_honest_commands_commit_around_one_with_a_nul(
    ledger: LedgerService, pool: asyncpg.Pool, audit: Audit
) -> None:
    wallets = await players(ledger, 16)
    items = [item(n, wallets[n // 4]) for n in range(64)]
    outcomes = await execute(ledger, items, atomic=False)
    assert isinstance(outcomes[BAD].error, InvalidText)
    assert [n for n, o in enumerate(outcomes) if o.error is not None] == [BAD]
    # Each wallet had 100, then two purchases (-10 each) and two top-ups (+10 each) of the
    # batch; the bad one's wallet missed one purchase.
    balances = await audit()
    for n, player in enumerate(wallets):
        expected = 110 if n == BAD // 4 else 100
        assert balances[accounts.player_account(player), CURRENCY] == expected
    keys = await pool.fetch("SELECT key FROM idempotency_keys WHERE key LIKE 'k%'")
    assert sorted(r["key"] for r in keys) == sorted(f"k{n}" for n in range(64) if n != BAD)
    written = await pool.fetchval(
        "SELECT count(*) FROM events WHERE metadata->>'idempotency_key' LIKE 'k%'"
    )
    assert written == 63 + 32  # a top-up appends to its shard's stream too


@pytest.mark.parametrize("write_mode", ["group commit"], indirect=True)
async def test_group_commit_answers_only_the_nul_request_with_4xx(
    ledger: LedgerService, audit: Audit
) -> None:
    wallets = await players(ledger, 8)
    answers = await asyncio.gather(
        *(
            ledger.handle(Purchase(player_id=p, item="gold_coin", metadata=NUL if n == 5 else {}))
            for n, p in enumerate(wallets * 4)
        ),
        return_exceptions=True,
    )
    assert isinstance(answers[5], InvalidText)
    assert all(isinstance(a, TransferResult) for n, a in enumerate(answers) if n != 5)
    balances = await audit()
    diamonds = [balances[accounts.player_account(p), CURRENCY] for p in wallets]
    assert diamonds == [60] * 5 + [70] + [60] * 2
