"""Settlements on a real database, in both write modes: the pot paid out and raked in one
transfer the audit accepts; a settlement racing a void of one of its holds leaves exactly one
outcome, and nothing of the pot moves when the void wins."""

from collections import Counter

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import CloseHold, Payout, PlaceHold, Settle
from domain.escrow_errors import HoldNotPending
from service.job import Sender
from service.ledger import LedgerService
from tests.conftest import WRITE_MODES
from tests.integration.conftest import Audit, LedgerFactory
from tests.integration.test_command_concurrency import race, versions
from tests.integration.test_gift_concurrency import balance, named
from tests.integration.test_hold_concurrency import RULES, audited

pytestmark = pytest.mark.parametrize("write_mode", WRITE_MODES, indirect=True)

ROUNDS = 20


async def stakes(ledger: LedgerService, players: list[str], amount: int = 100) -> list[str]:
    """One pending hold of `amount` diamonds per player: the match's pot."""
    return [
        (
            await ledger.handle(
                PlaceHold(player=p, asset=CURRENCY, amount=amount, expires_in=600),
                caller=Sender("server"),
            )
        ).hold_id
        for p in players
    ]


async def test_a_match_settled_pays_the_winners_and_rakes_the_rest(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit
) -> None:
    ledger = await economy(RULES)
    names = ["red", "blue", "green", "gold"]
    ids = [await named(ledger, name, 1_000) for name in names]
    holds = await stakes(ledger, names)
    payouts = (Payout(to="Red", amount=250), Payout(to="blue", amount=100))
    result = await ledger.handle(
        Settle(holds=tuple(holds), payouts=payouts), caller=Sender("server")
    )
    assert (result.pot, result.paid, result.rake) == (400, 350, 50)
    assert [await balance(pool, p) for p in ids] == [1_150, 1_000, 900, 900]
    for hold_id in holds:
        assert await versions(pool, accounts.hold_account(hold_id)) == [1, 2]
    balances = await audit()
    assert balances[accounts.INFLOW, CURRENCY] == 50
    await audited(pool)


async def test_a_settlement_against_a_void_of_its_hold_leaves_exactly_one_outcome(
    pool: asyncpg.Pool, economy: LedgerFactory, audit: Audit
) -> None:
    ledger = await economy(RULES)
    ann, ben = await named(ledger, "ann", 100 * ROUNDS), await named(ledger, "ben", 100 * ROUNDS)
    won: Counter[str] = Counter()
    for _ in range(ROUNDS):
        holds = await stakes(ledger, ["ann", "ben"])
        settle = Settle(holds=tuple(holds), payouts=(Payout(to="ann", amount=200),))
        void = CloseHold(hold_id=holds[1], outcome="void")
        done, errors = await race(
            [
                ledger.handle(settle, caller=Sender("server")),
                ledger.handle(void, caller=Sender("server")),
            ]
        )
        assert len(done) == 1, errors
        assert [type(e) for e in errors] == [HoldNotPending]
        won[type(done[0]).__name__] += 1
        if type(done[0]).__name__ == "HoldResult":  # the void won: the match is called off
            await ledger.handle(
                CloseHold(hold_id=holds[0], outcome="void"), caller=Sender("server")
            )
    settled = won["SettleResult"]
    assert sum(won.values()) == ROUNDS
    assert await balance(pool, ann) == 100 * ROUNDS + 100 * settled
    assert await balance(pool, ben) == 100 * ROUNDS - 100 * settled
    await audit()
    await audited(pool)
