"""Escrow: assets set aside in an account of their own (DESIGN-NOTES.md, note 14). Opening moves
them from the owner's spendable balance to the escrow's account and opens the escrow's stream at
version 1; every outcome is one transfer out of it appended at version 2, so the stream's unique
(stream, version) key lets exactly one outcome win. A hold and a trade offer are uses of it: an
`EscrowUse` names what differs (its words, its codes, the outcome that pays out)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import accounts
from domain.details import AnyDetails
from domain.errors import DomainError
from domain.event_base import Event
from domain.events import Leg, TransferCode, Transferred
from domain.ledger import (
    NO_STREAM,
    Append,
    Decision,
    PlayerState,
    apply_legs,
    player_append,
    transfer,
)

OPENED_VERSION = 1  # the escrow stream's first event holds the terms; version 2 is the outcome


@dataclass(frozen=True)
class EscrowUse:
    """What one use of escrow calls things and what its outcomes are."""

    noun: str  # "hold", "trade": the words of its errors and their context keys
    open_status: str  # the status while nothing has closed it ("pending", "open")
    # outcome -> the closing transfer's code and the status it leaves ("void": hold_void, voided)
    outcomes: Mapping[str, tuple[TransferCode, str]]
    pays_out: str  # the outcome that may not happen once the escrow is due ("capture")
    not_open: type[DomainError]  # the refusal of a close that comes too late (or too early)
    # closing codes of other commands than the use's own close, and the status each leaves
    also_closed_by: Mapping[str, str] = field(default_factory=dict)

    def code(self, outcome_: str) -> TransferCode:
        """The code of the transfer that closes the escrow with `outcome_`."""
        return self.outcomes[outcome_][0]

    def status(self, code: str) -> str | None:
        """The status a closing transfer of `code` leaves (None: the code does not close it)."""
        statuses: dict[str, str] = {**dict(self.outcomes.values()), **self.also_closed_by}
        return statuses.get(code)


def outcome(use: EscrowUse, event: Event) -> tuple[str, datetime] | None:
    """The status and time an escrow stream's `event` closed it with (None: it did not close)."""
    if not isinstance(event, Transferred) or (status := use.status(event.code)) is None:
        return None
    return status, event.occurred_at


def check_open(
    use: EscrowUse, escrow_id: str, status: str, outcome_: str, expires_at: datetime, now: datetime
) -> None:
    """Refuse a close of an escrow already closed, a pay-out once it is due, or an expiry
    before it is due."""
    if status != use.open_status:
        _refuse(use, escrow_id, f"the {use.noun} is {status}, no longer {use.open_status}", status)
    due = now >= expires_at
    if outcome_ == use.pays_out and due:
        done = use.outcomes[use.pays_out][1]
        message = f"the {use.noun} has expired and can no longer be {done}"
        _refuse(use, escrow_id, message, "expired")
    if outcome_ == "expire" and not due:
        _refuse(use, escrow_id, f"the {use.noun} is not due to expire yet", status)


def _refuse(use: EscrowUse, escrow_id: str, message: str, status: str) -> None:
    context: dict[str, Any] = {f"{use.noun}Id": escrow_id, f"{use.noun}Status": status}
    raise use.not_open(message, **context)


def moves(source: str, target: str, amounts: Mapping[str, int]) -> list[Leg]:
    """`amounts` from `source` to `target`, one pair of legs per asset (in a stable order)."""
    legs = []
    for asset in sorted(amounts):
        legs += [Leg(source, asset, -amounts[asset]), Leg(target, asset, amounts[asset])]
    return legs


def open_escrow(
    owner: PlayerState,
    escrow: str,
    amounts: Mapping[str, int],
    terms: Event,
    *,
    code: TransferCode,
    transfer_id: str,
    details: AnyDetails,
    now: datetime,
    legs: Sequence[Leg] | None = None,
) -> Decision:
    """Move `amounts` from the owner's spendable balance to `escrow` (or post `legs`, which do
    the same in another order) and open the escrow's stream with `terms`."""
    if legs is None:
        legs = moves(accounts.player_account(owner.player_id), escrow, amounts)
    moved = transfer(owner, legs, code=code, transfer_id=transfer_id, now=now, details=details)
    return Decision(
        appends=(
            player_append(owner, moved),
            Append(stream=escrow, expected=NO_STREAM, events=(terms,)),
        )
    )


def close_escrow(
    escrows: Sequence[tuple[str, Mapping[str, int]]],
    legs: Sequence[Leg],
    *,
    code: TransferCode,
    transfer_id: str,
    details: AnyDetails,
    mirrors: Sequence[tuple[PlayerState, AnyDetails]],
    now: datetime,
) -> Decision:
    """The closing transfer: appended at version 2 on the stream of each escrow it closes (the
    outcome race: one hold or trade, or every hold a settlement pools, with what each holds) and
    mirrored, with each one's own details, on the streams of the players whose balances move.
    The first escrow's copy posts the legs."""
    legs = tuple(legs)

    def copy(stream: str, held: Mapping[str, int], mirror: bool) -> Transferred:
        return Transferred(
            transfer_id=transfer_id,
            code=code,
            legs=legs,
            state_after=apply_legs(dict(held), legs, stream),
            occurred_at=now,
            mirror=mirror,
            details=details,
        )

    appends = [
        Append(stream=stream, expected=OPENED_VERSION, events=(copy(stream, held, i > 0),))
        for i, (stream, held) in enumerate(escrows)
    ]
    for player, info in mirrors:
        mirrored = transfer(
            player, legs, code=code, transfer_id=transfer_id, now=now, details=info, mirror=True
        )
        appends.append(player_append(player, mirrored))
    return Decision(appends=tuple(appends))
