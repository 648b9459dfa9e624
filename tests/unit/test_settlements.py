"""Match settlements: one transfer from the holds to the winners and the rake, and its refusals."""

from datetime import timedelta

import pytest

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY
from domain.commands import EconomyRules, Payout, PlaceHold, Settle, SignUp, TopUp
from domain.escrow_errors import HoldNotPending, MixedAssets, PayoutsExceedPot, UnknownHold
from domain.escrow_events import HoldPlaced
from domain.events import Transferred
from domain.holds import Actor, HoldState, settled
from domain.ledger import Decision, PlayerState
from domain.settlements import decide_settle
from domain.transfer_errors import InvalidAmount
from service.job import Sender
from tests.fakes import NOW, fake_ledger
from tests.invariants import fold, violations

RULES = EconomyRules(genesis_supply=100_000, shard_count=2, hold_max_seconds=3_600)


def hold(
    hold_id: str, amount: int = 100, asset: str = CURRENCY, status: str = "pending"
) -> HoldState:
    placed = HoldPlaced(
        hold_id=hold_id,
        transfer_id=f"t-{hold_id}",
        player_id=f"p-{hold_id}",
        username=hold_id,
        asset=asset,
        amount=amount,
        expires_at=NOW + timedelta(seconds=60),
        occurred_at=NOW,
        placed_by="server",
    )
    return HoldState(placed=placed, version=1, status=status)  # type: ignore[arg-type]


WINNER = PlayerState(player_id="w", version=3, balances={CURRENCY: 5})


def when_settled(
    *holds: HoldState, payouts: tuple[int, ...] = (150,), at: object = NOW
) -> Decision:
    cmd = Settle(
        holds=tuple(h.placed.hold_id for h in holds),
        payouts=tuple(Payout(to="Winner", amount=n) for n in payouts),
        memo="match 7",
    )
    return decide_settle(
        list(holds),
        {"winner": WINNER},
        cmd,
        by=Actor(account="server", role="service"),
        settlement_id="s1",
        transfer_id="x1",
        now=at,  # type: ignore[arg-type]
    )


def test_a_settlement_captures_every_hold_pays_the_winner_and_rakes_the_rest() -> None:
    first, second, winner = when_settled(hold("a"), hold("b")).appends
    assert [(a.stream, a.expected) for a in (first, second, winner)] == [
        ("hold:a", 1),
        ("hold:b", 1),
        ("player:w", 3),
    ]
    copies = [a.events[0] for a in (first, second, winner)]
    assert all(isinstance(c, Transferred) for c in copies)
    assert [c.mirror for c in copies] == [False, True, True]  # type: ignore[attr-defined]
    assert fold([copies[0]]) == {  # type: ignore[list-item]
        ("hold:a", CURRENCY): -100,
        ("hold:b", CURRENCY): -100,
        ("player:w", CURRENCY): 150,
        (accounts.INFLOW, CURRENCY): 50,
    }
    assert copies[2].state_after == {CURRENCY: 155}  # type: ignore[attr-defined]
    closed = settled(hold("b").placed, 2, copies[1])
    assert (closed.status, closed.captured) == ("captured", 100)


def test_payouts_to_one_winner_add_up_and_a_full_payout_has_no_rake() -> None:
    _, winner = when_settled(hold("a"), payouts=(60, 40)).appends
    [copy] = winner.events
    assert isinstance(copy, Transferred)
    assert accounts.INFLOW not in {g.account for g in copy.legs}
    assert copy.state_after == {CURRENCY: 105}


def test_refusals() -> None:
    with pytest.raises(HoldNotPending):
        when_settled(hold("a"), hold("b", status="voided"))
    with pytest.raises(HoldNotPending):
        when_settled(hold("a"), at=NOW + timedelta(seconds=60))  # expired
    with pytest.raises(MixedAssets):
        when_settled(hold("a"), hold("b", asset="gold_coin"))
    with pytest.raises(PayoutsExceedPot):
        when_settled(hold("a"), payouts=(101,))
    with pytest.raises(InvalidAmount):
        when_settled(hold("a"), hold("a"))


async def test_a_settlement_through_the_pipeline() -> None:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    stakes = []
    for name in ("ann", "ben", "cat"):
        player = (
            await ledger.handle(SignUp(username=name), caller=Sender(password_hash="hash"))
        ).player_id
        await ledger.handle(TopUp(player_id=player, amount=100))
        place = PlaceHold(player=name, asset=CURRENCY, amount=100, expires_in=60)
        stakes.append((await ledger.handle(place, caller=Sender("server"))).hold_id)
    cmd = Settle(holds=tuple(stakes), payouts=(Payout(to="ann", amount=200),))
    result = await ledger.handle(cmd, "match-1", Sender("server"))
    assert await ledger.handle(cmd, "match-1", Sender("server")) == result  # once per key
    assert (result.pot, result.paid, result.rake) == (300, 200, 100)
    assert [store.version(accounts.hold_account(h)) for h in stakes] == [2, 2, 2]
    assert violations(store.transfers(), RULES.genesis_supply) == []
    with pytest.raises(UnknownHold):
        await ledger.handle(Settle(holds=("nope",), payouts=()), caller=Sender("server"))
    with pytest.raises(UnknownPlayer):
        await ledger.handle(
            Settle(holds=(stakes[0],), payouts=(Payout(to="zed", amount=1),)),
            caller=Sender("server"),
        )
