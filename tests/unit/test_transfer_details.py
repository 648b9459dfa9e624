"""Schema version 2: every transfer shape stored at version 1 decodes to the slim event with its
kind's details, is written back as version 2, and still shows its version-1 shape to readers."""

from typing import Any

import msgspec
import pytest

from domain.details import (
    Details,
    GiftDetails,
    GrantDetails,
    HoldDetails,
    PurchaseDetails,
    ReversalDetails,
    SettlementDetails,
    StoreCreditDetails,
    StoreRefundDetails,
    TopUpDetails,
    TradeDetails,
    UseDetails,
)
from domain.events import SCHEMA_VERSION, Leg, Transferred
from infra import codec
from tests.fakes import NOW

# Exactly what the release before version 2 stored for an item use (codec.encode, then).
STORED_USE = (
    '{"type":"transferred","transfer_id":"u1","code":"item_use",'
    '"legs":[["player:p1","treasure_box",-2]],"state_after":{"treasure_box":1},'
    '"occurred_at":"2026-01-02T03:04:05Z","item":"treasure_box","quantity":2,"reverses":null,'
    '"reason":null,"mirror":false,"counterparty":null,"memo":null,"hold_id":null,'
    '"metadata":{"m":"1"},"catalog_version":3,"paid":null,"granted":{"gold_coin":25},'
    '"rolls":[0,70],"drops":[0,1],"trade_id":null,"settlement_id":null,"store":null,'
    '"receipt_id":null,"product_id":null,"repaid":null}'
)
# A version-1 transfer's optional fields, in their stored order, at their defaults.
V1_DEFAULTS: dict[str, Any] = {
    "item": None,
    "quantity": None,
    "reverses": None,
    "reason": None,
    "mirror": False,
    "counterparty": None,
    "memo": None,
    "hold_id": None,
    "metadata": {},
    "catalog_version": None,
    "paid": None,
    "granted": None,
    "rolls": None,
    "drops": None,
    "trade_id": None,
    "settlement_id": None,
    "store": None,
    "receipt_id": None,
    "product_id": None,
    "repaid": None,
}
# code, the fields a version-1 row of it held, and the details version 2 reads from them
SHAPES: list[tuple[str, dict[str, Any], Details | None]] = [
    ("genesis", {}, None),
    ("sweep", {}, None),
    ("referral_bonus", {}, None),
    ("top_up", {}, None),
    ("top_up", {"repaid": {"diamond": 30}}, TopUpDetails(repaid={"diamond": 30})),
    (
        "purchase",
        {"item": "box", "quantity": 2, "catalog_version": 1, "paid": {"diamond": 100}},
        PurchaseDetails(item="box", quantity=2, catalog_version=1, paid={"diamond": 100}),
    ),
    (
        "purchase",
        {"item": "pack", "quantity": 1, "paid": {"star": 5}, "granted": {"gold_coin": 10}},
        PurchaseDetails(item="pack", quantity=1, paid={"star": 5}, granted={"gold_coin": 10}),
    ),
    (
        "item_use",
        {"item": "pouch", "quantity": 1, "catalog_version": 0, "granted": {"gold_coin": 3}},
        UseDetails(item="pouch", quantity=1, catalog_version=0, granted={"gold_coin": 3}),
    ),
    (
        "reversal",
        {"reverses": "t0", "reason": "refund"},
        ReversalDetails(reverses="t0", reason="refund"),
    ),
    (
        "gift",
        {"mirror": True, "counterparty": "ann", "memo": "gg"},
        GiftDetails(counterparty="ann", memo="gg"),
    ),
    ("hold", {"hold_id": "h1", "memo": "match 7"}, HoldDetails(hold_id="h1", memo="match 7")),
    (
        "hold_capture",
        {"hold_id": "h1", "memo": "match 7", "reason": "stuck"},
        HoldDetails(hold_id="h1", memo="match 7", reason="stuck"),
    ),
    ("hold_void", {"mirror": True, "hold_id": "h1"}, HoldDetails(hold_id="h1")),
    ("hold_expiry", {"hold_id": "h1"}, HoldDetails(hold_id="h1")),
    (
        "trade_offer",
        {"counterparty": "bob", "trade_id": "d1"},
        TradeDetails(trade_id="d1", counterparty="bob"),
    ),
    ("trade_accept", {"trade_id": "d1"}, TradeDetails(trade_id="d1")),  # the trade's own copy
    (  # a player's copy names the other player; the legs are posted by the trade's copy
        "trade_decline",
        {"mirror": True, "trade_id": "d1", "counterparty": "bob"},
        TradeDetails(trade_id="d1", counterparty="bob"),
    ),
    ("trade_cancel", {"trade_id": "d1"}, TradeDetails(trade_id="d1")),
    ("trade_expiry", {"trade_id": "d1"}, TradeDetails(trade_id="d1")),
    (
        "settlement",
        {"mirror": True, "memo": "final", "settlement_id": "s1", "reason": "ops"},
        SettlementDetails(settlement_id="s1", memo="final", reason="ops"),
    ),
    (
        "grant",
        {"reason": "quest", "repaid": {"diamond": 5}},
        GrantDetails(reason="quest", repaid={"diamond": 5}),
    ),
    (
        "store_credit",
        {"store": "apple", "receipt_id": "r1", "product_id": "gems", "catalog_version": 2},
        StoreCreditDetails(store="apple", receipt_id="r1", product_id="gems", catalog_version=2),
    ),
    (
        "store_refund",
        {
            "reverses": "c1",
            "reason": "apple REFUND",
            "store": "apple",
            "receipt_id": "r1",
            "product_id": "gems",
        },
        StoreRefundDetails(
            store="apple", receipt_id="r1", product_id="gems", reverses="c1", reason="apple REFUND"
        ),
    ),
]


def stored_v1(code: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A version-1 row's payload: the core, then every optional field (its own set)."""
    return {
        "type": "transferred",
        "transfer_id": "t1",
        "code": code,
        "legs": [["player:p1", "diamond", -5]],
        "state_after": {"diamond": 5},
        "occurred_at": "2026-01-02T03:04:05Z",
        **{name: fields.get(name, default) for name, default in V1_DEFAULTS.items()},
    }


@pytest.mark.parametrize(("code", "fields", "details"), SHAPES, ids=[s[0] for s in SHAPES])
def test_every_version_1_shape_decodes_to_its_details_and_is_rewritten_as_version_2(
    code: str, fields: dict[str, Any], details: Details | None
) -> None:
    payload = stored_v1(code, fields)
    event = codec.decode("transferred", 1, msgspec.json.encode(payload).decode())
    assert event == Transferred(
        transfer_id="t1",
        code=code,  # type: ignore[arg-type]
        legs=(Leg("player:p1", "diamond", -5),),
        state_after={"diamond": 5},
        occurred_at=NOW,
        mirror=fields.get("mirror", False),
        details=details,
    )
    written = codec.encode(event)
    assert SCHEMA_VERSION == 2
    assert codec.decode("transferred", 2, written) == event
    assert set(msgspec.json.decode(written)) == {
        "type", "transfer_id", "code", "legs", "state_after", "occurred_at", "mirror",
        "metadata", "details", "timed",
    }  # fmt: skip
    # Readers (feed, webhooks, replay) see the very JSON they saw, key order included.
    assert msgspec.json.encode(codec.as_v1(event)) == msgspec.json.encode(payload)


def test_a_row_stored_by_the_release_before_reads_back_byte_for_byte_in_the_feeds_shape() -> None:
    event = codec.decode("transferred", 1, STORED_USE)
    assert isinstance(event, Transferred)
    assert event.details == UseDetails(
        item="treasure_box",
        quantity=2,
        catalog_version=3,
        granted={"gold_coin": 25},
        rolls=(0, 70),
        drops=(0, 1),
    )
    assert event.metadata == {"m": "1"}
    assert msgspec.json.encode(codec.as_v1(event)).decode() == STORED_USE
    assert codec.upcast("transferred", 1, codec.as_v1(event)) == event


def test_the_details_are_tagged_with_explicit_strings() -> None:
    stored = msgspec.json.decode(codec.encode(codec.decode("transferred", 1, STORED_USE)))
    assert stored["details"]["kind"] == "item_use"
    assert stored["details"]["rolls"] == [0, 70]
