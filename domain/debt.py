"""Refunds of store purchases and the debt they leave: pure decisions.

A refund takes the receipt's whole grant back, but a player's spendable balance never goes
below zero: what they had already spent becomes their debt (a `debt:` stream), and the next
credits from the treasury (top-ups, grants, store credits) repay it first, to inflow.
"""

from datetime import datetime

import msgspec

from domain import accounts
from domain.commands import StoreRefund
from domain.details import (
    AnyDetails,
    GrantDetails,
    StoreCreditDetails,
    StoreRefundDetails,
    TopUpDetails,
)
from domain.events import Claimed, DebtChanged, Leg, Transferred
from domain.ledger import NO_STREAM, Append, Decision, PlayerState, player_append, transfer
from domain.ports import StoredEvent


class DebtState(msgspec.Struct, frozen=True, kw_only=True):
    """A player's debt per currency and its stream's version."""

    player_id: str
    version: int = NO_STREAM
    debts: dict[str, int] = msgspec.field(default_factory=dict)

    def append(self, transfer_id: str, debts: dict[str, int], now: datetime) -> Append:
        """The debt stream's next event."""
        event = DebtChanged(
            transfer_id=transfer_id,
            debt_after={k: v for k, v in debts.items() if v},
            occurred_at=now,
        )
        stream = accounts.debt_stream(self.player_id)
        return Append(stream=stream, expected=self.version, events=(event,))


def debt_state(player_id: str, head: StoredEvent | None) -> DebtState:
    """The debt from the head of the player's debt stream (none before a first refund)."""
    if head is None or not isinstance(head.event, DebtChanged):
        return DebtState(player_id=player_id, version=head.version if head else NO_STREAM)
    return DebtState(player_id=player_id, version=head.version, debts=dict(head.event.debt_after))


def granted(credit: Transferred) -> tuple[str, int]:
    """The currency and amount a store credit paid out of the treasury."""
    [paid] = [leg for leg in credit.legs if accounts.is_shard(leg.account)]
    return paid.asset, -paid.amount


def decide_refund(
    player: PlayerState,
    credit: Transferred,
    debt: DebtState,
    cmd: StoreRefund,
    *,
    transfer_id: str,
    now: datetime,
) -> Decision:
    """Take the credit's grant back: what the player holds to inflow, the rest as debt.

    The refund claims version 2 of the receipt's stream, so it happens at most once.
    """
    currency, amount = granted(credit)
    account = accounts.player_account(player.player_id)
    taken = min(player.balance(currency), amount)
    legs = (Leg(account, currency, -taken), Leg(accounts.INFLOW, currency, taken)) if taken else ()
    details = StoreRefundDetails(
        store=cmd.store,
        receipt_id=cmd.receipt_id,
        product_id=_product_of(credit),
        reverses=credit.transfer_id,
        reason=cmd.reason,
    )
    refund = transfer(
        player, legs, code="store_refund", transfer_id=transfer_id, now=now, details=details
    )
    appends = [
        player_append(player, refund),
        Append(
            stream=accounts.receipt_stream(cmd.store, cmd.receipt_id),
            expected=1,
            events=(Claimed(owner=player.player_id, transfer_id=transfer_id, occurred_at=now),),
        ),
    ]
    if amount > taken:
        owed = {**debt.debts, currency: debt.debts.get(currency, 0) + amount - taken}
        appends.append(debt.append(transfer_id, owed, now))
    return Decision(appends=tuple(appends))


def repay_first(decision: Decision, debt: DebtState, now: datetime) -> Decision:
    """A treasury credit to the player that first repays their debt in its currency.

    The player's leg shrinks by the repayment and inflow gets it: still one balanced transfer.
    """
    if not any(debt.debts.values()):
        return decision
    account = accounts.player_account(debt.player_id)
    appends = list(decision.appends)
    index = next(i for i, a in enumerate(appends) if a.stream == account)
    [credit] = appends[index].events
    assert isinstance(credit, Transferred)
    legs, repaid = _repaid_legs(credit.legs, account, debt.debts)
    if not repaid:
        return decision
    after = dict(credit.state_after.items())
    for currency, amount in repaid.items():
        after[currency] = after.get(currency, 0) - amount
    details = _with_repaid(credit.details, repaid)
    changed = msgspec.structs.replace(credit, legs=legs, state_after=after, details=details)
    appends[index] = msgspec.structs.replace(appends[index], events=(changed,))
    owed = {c: n - repaid.get(c, 0) for c, n in debt.debts.items()}
    appends.append(debt.append(credit.transfer_id, owed, now))
    return Decision(appends=tuple(appends))


def _with_repaid(details: AnyDetails | None, repaid: dict[str, int]) -> AnyDetails:
    """The credit's details, saying what of it repaid the debt (a top-up has none before)."""
    if isinstance(details, GrantDetails | StoreCreditDetails | TopUpDetails):
        return msgspec.structs.replace(details, repaid=repaid)
    return TopUpDetails(repaid=repaid)


def _product_of(credit: Transferred) -> str | None:
    details = credit.details
    return details.product_id if isinstance(details, StoreCreditDetails) else None


def _repaid_legs(
    legs: tuple[Leg, ...], account: str, debts: dict[str, int]
) -> tuple[tuple[Leg, ...], dict[str, int]]:
    out: list[Leg] = []
    repaid: dict[str, int] = {}
    for leg in legs:
        owed = debts.get(leg.asset, 0) - repaid.get(leg.asset, 0)
        if leg.account != account or leg.amount <= 0 or owed <= 0:
            out.append(leg)
            continue
        paid = min(owed, leg.amount)
        repaid[leg.asset] = repaid.get(leg.asset, 0) + paid
        if leg.amount > paid:
            out.append(Leg(account, leg.asset, leg.amount - paid))
        out.append(Leg(accounts.INFLOW, leg.asset, paid))
    return tuple(out), repaid
