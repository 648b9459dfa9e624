"""Store credits, refunds and debt through the real write side over the in-memory store.

A refund takes the whole grant back; what the player already spent becomes debt, which the
next treasury credit repays first. Every transfer stays balanced.
"""

import pytest

from cli.projections import describe
from domain import accounts
from domain.assets import DEFAULT_CATALOG, Catalog, StoreProduct
from domain.commands import (
    EconomyRules,
    Grant,
    Purchase,
    SignUp,
    StoreCredit,
    StoreRefund,
    TopUp,
)
from domain.debt import DebtState, repay_first
from domain.details import StoreCreditDetails, TopUpDetails
from domain.events import DebtChanged, Leg, Transferred
from domain.ledger import Append, Decision, imbalances
from domain.receipt_errors import ReceiptAlreadyUsed, UnknownStoreProduct
from domain.transfer_errors import UnknownTransfer
from service.job import Sender
from service.ledger import LedgerService
from tests.fakes import NOW, FakeEventStore, fake_ledger

RULES = EconomyRules(genesis_supply=1_000_000, shard_count=2)
SHOP = Catalog(
    items=DEFAULT_CATALOG.items,
    store_products={"gems100": StoreProduct(grants={"diamond": 100})},
)


@pytest.fixture
async def ledger() -> tuple[LedgerService, FakeEventStore]:
    """The write side with genesis and one store product."""
    ledger, store = fake_ledger(RULES, SHOP)
    assert await ledger.seed_genesis()
    return ledger, store


def bought(player_id: str, receipt: str = "tx1", product: str = "gems100") -> StoreCredit:
    """An Apple receipt of the product, as the API makes it after verifying."""
    return StoreCredit(player_id=player_id, store="apple", receipt_id=receipt, product_id=product)


REFUND = StoreRefund(store="apple", receipt_id="tx1", reason="apple REFUND")


async def test_a_refund_after_spending_leaves_zero_and_debt_the_next_top_up_repays(
    ledger: tuple[LedgerService, FakeEventStore],
) -> None:
    service, store = ledger
    pid = (
        await service.handle(SignUp(username="anna"), caller=Sender(password_hash="hash"))
    ).player_id
    assert (await service.handle(bought(pid))).balances["diamond"] == 100
    await service.handle(Purchase(player_id=pid, item="gold_coin", quantity=7))  # 70 spent
    refund = await service.handle(REFUND)
    assert refund.balances["diamond"] == 0
    assert store.head(accounts.debt_stream(pid)).event.debt_after == {"diamond": 70}
    again = await service.handle(REFUND)  # the store sends it again: nothing more
    assert again.transfer_id == refund.transfer_id
    top_up = await service.handle(TopUp(player_id=pid, amount=50))
    assert top_up.balances["diamond"] == 0  # all of it repaid the debt
    assert store.head(accounts.debt_stream(pid)).event.debt_after == {"diamond": 20}
    granted = await service.handle(
        Grant(player="anna", amount=30, reason="prize"), caller=Sender("server")
    )
    assert granted.balances["diamond"] == 10
    assert store.head(accounts.debt_stream(pid)).event.debt_after == {}
    assert all(not imbalances(t.legs) for t in store.transfers())


async def test_a_refund_before_spending_takes_everything_back(
    ledger: tuple[LedgerService, FakeEventStore],
) -> None:
    service, store = ledger
    pid = (
        await service.handle(SignUp(username="bob"), caller=Sender(password_hash="hash"))
    ).player_id
    credit = await service.handle(bought(pid))
    refund = await service.handle(REFUND)
    assert refund.balances["diamond"] == 0
    assert store.head(accounts.debt_stream(pid)) is None
    [taken] = [t for t in store.transfers() if t.transfer_id == refund.transfer_id]
    assert (taken.code, taken.details.reverses, taken.details.receipt_id) == (
        "store_refund",
        credit.transfer_id,
        "tx1",
    )


async def test_a_receipt_credits_its_player_once_and_nobody_else(
    ledger: tuple[LedgerService, FakeEventStore],
) -> None:
    service, _ = ledger
    ann = (
        await service.handle(SignUp(username="anna"), caller=Sender(password_hash="hash"))
    ).player_id
    bo = (
        await service.handle(SignUp(username="bob"), caller=Sender(password_hash="hash"))
    ).player_id
    first = await service.handle(bought(ann))
    assert await service.handle(bought(ann)) == first
    with pytest.raises(ReceiptAlreadyUsed):
        await service.handle(bought(bo))
    with pytest.raises(UnknownStoreProduct):
        await service.handle(bought(bo, "tx2", "gems9000"))
    with pytest.raises(UnknownTransfer):
        await service.handle(StoreRefund(store="google", receipt_id="GPA.1", reason="x"))


def test_repayment_splits_the_credit_leg_and_stays_balanced() -> None:
    me = accounts.player_account("p1")
    credit = Transferred(
        transfer_id="t1",
        code="top_up",
        legs=(Leg("treasury:shard:0", "diamond", -100), Leg(me, "diamond", 100)),
        state_after={"diamond": 100},
        occurred_at=NOW,
    )
    decision = Decision(appends=(Append(stream=me, expected=4, events=(credit,)),))
    debt = DebtState(player_id="p1", version=2, debts={"diamond": 130})
    repaid = repay_first(decision, debt, NOW)
    [paid] = repaid.appends[0].events
    assert isinstance(paid, Transferred)
    assert paid.legs == (
        Leg("treasury:shard:0", "diamond", -100),
        Leg("treasury:inflow", "diamond", 100),
    )
    assert (paid.state_after, paid.details) == (
        {"diamond": 0},
        TopUpDetails(repaid={"diamond": 100}),
    )
    assert repaid.appends[1].expected == 2
    assert repaid.appends[1].events[0].debt_after == {"diamond": 30}  # type: ignore[attr-defined]
    assert repay_first(decision, DebtState(player_id="p1"), NOW) == decision


def test_replay_lines_name_the_receipt_and_the_debt() -> None:
    credit = Transferred(
        transfer_id="c1",
        code="store_credit",
        legs=(),
        state_after={},
        occurred_at=NOW,
        details=StoreCreditDetails(store="apple", receipt_id="2000000123", product_id="gems100"),
    )
    assert describe(credit) == "store_credit c1 [apple 2000000123 gems100]: "
    debt = DebtChanged(transfer_id="r1", debt_after={"diamond": 70}, occurred_at=NOW)
    assert describe(debt) == "debt {diamond: 70} after r1"
