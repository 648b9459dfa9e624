"""domain/freezes.py: the operations derived from the transfer codes, and which decisions a
freeze stops (a frozen player's writes and the writes paying them, a frozen asset, a frozen
operation)."""

from domain.events import Leg, Transferred
from domain.freezes import OPERATIONS, ActiveFreeze, FreezeIndex, blocking, operation, refusal
from domain.ledger import Append, Decision
from tests.fakes import NOW


def freeze(scope: str, target: str, player_id: str | None = None) -> FreezeIndex:
    return FreezeIndex(
        [
            ActiveFreeze(
                freeze_id="f1",
                scope=scope,  # type: ignore[arg-type]
                target=target,
                reason="exploit",
                created_at=NOW,
                created_by="op",
                player_id=player_id,
            )
        ]
    )


def gift(sender: str, receiver: str, asset: str = "diamond", code: str = "gift") -> Decision:
    transfer = Transferred(
        transfer_id="t1",
        code=code,  # type: ignore[arg-type]
        legs=(Leg(f"player:{sender}", asset, -5), Leg(f"player:{receiver}", asset, 5)),
        state_after={asset: 0},
        occurred_at=NOW,
    )
    return Decision(appends=(Append(stream=f"player:{sender}", expected=3, events=(transfer,)),))


def test_the_operations_are_the_families_of_the_codes_players_and_servers_cause() -> None:
    assert set(OPERATIONS) == {
        "purchase", "top_up", "gift", "trade", "hold", "settlement", "use", "grant",
        "store_credit", "referral_bonus", "energy_spend", "energy_grant",
    }  # fmt: skip
    assert "expiry" not in OPERATIONS  # the expirer's, like a hold's expiry: never frozen
    assert operation("hold_capture") == "hold"
    assert operation("trade_accept") == "trade"
    assert operation("item_use") == "use"


def test_a_frozen_player_is_stopped_paying_and_being_paid() -> None:
    frozen = freeze("player", "bob", player_id="p-bob")
    assert blocking(frozen, gift("p-bob", "p-amy")) is not None
    assert blocking(frozen, gift("p-amy", "p-bob")) is not None  # the write paying them
    assert blocking(frozen, gift("p-amy", "p-cid")) is None


def test_a_frozen_asset_or_operation_stops_only_its_own_transfers() -> None:
    assert blocking(freeze("asset", "star"), gift("a", "b", asset="star")) is not None
    assert blocking(freeze("asset", "star"), gift("a", "b")) is None
    assert blocking(freeze("operation", "trade"), gift("a", "b", code="trade_accept")) is not None
    assert blocking(freeze("operation", "trade"), gift("a", "b")) is None


def test_the_refusal_names_the_freeze_and_its_reason() -> None:
    [active] = freeze("asset", "star").active
    error = refusal(active)
    assert (error.slug, error.category) == ("frozen", "locked")
    assert error.context["freezeId"] == "f1"
    assert error.context["reason"] == "exploit"
