"""The audit's receipt check finds a credit without its claim and a refund of no credit."""

from domain.details import StoreCreditDetails, StoreRefundDetails
from domain.events import Claimed, Leg, Transferred
from projections.audit_receipts import Receipts
from tests.fakes import NOW

STREAM = "receipt:apple:tx1"


def transfer(transfer_id: str, code: str, reverses: str | None = None) -> Transferred:
    """A store credit or refund of receipt tx1."""
    return Transferred(
        transfer_id=transfer_id,
        code=code,  # type: ignore[arg-type]
        legs=(Leg("player:p1", "diamond", 0),),
        state_after={},
        occurred_at=NOW,
        details=(
            StoreRefundDetails(store="apple", receipt_id="tx1", reverses=reverses)
            if code == "store_refund"
            else StoreCreditDetails(store="apple", receipt_id="tx1", product_id="gems100")
        ),
    )


def test_a_credit_and_refund_with_their_claims_pass() -> None:
    receipts = Receipts()
    receipts.apply("player:p1", 2, transfer("c1", "store_credit"))
    receipts.apply(STREAM, 1, Claimed(owner="p1", transfer_id="c1", occurred_at=NOW))
    receipts.apply("player:p1", 3, transfer("r1", "store_refund", reverses="c1"))
    receipts.apply(STREAM, 2, Claimed(owner="p1", transfer_id="r1", occurred_at=NOW))
    assert receipts.findings() == []


def test_a_credit_without_a_claim_and_a_refund_of_nothing_are_found() -> None:
    receipts = Receipts()
    receipts.apply("player:p1", 2, transfer("c1", "store_credit"))
    receipts.apply("player:p1", 3, transfer("r1", "store_refund", reverses="c0"))
    assert receipts.findings() == [
        f"store credit c1: no claim of {STREAM} names it",
        f"store refund r1: reverses no store credit of {STREAM}",
        f"store refund r1: not the claim of {STREAM} v2",
    ]
