"""A clawback: reverse every transfer a filter matches, once each, with debt for what was spent.

Pure: which transfers match, each step's decision and the dry run's effects. A step claims the
transfer's `reversal:` stream like any reversal (so two clawbacks, or a clawback and an
operator, reverse a transfer once), and appends to the clawback's own stream in the same
transaction, so the clawback's head always says how far it got (DESIGN-NOTES.md, note 16).
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

import msgspec

from domain import accounts
from domain.assets import CURRENCY, Catalog
from domain.clawback_errors import InvalidClawbackFilter
from domain.clawback_events import (
    ClawbackFilter,
    ClawbackFinished,
    ClawbackStarted,
    ClawbackStepped,
)
from domain.commands import ClawbackStep
from domain.debt import DebtState
from domain.details import ReversalDetails
from domain.event_base import Event
from domain.events import Claimed, Leg, Transferred
from domain.ledger import NO_STREAM, Append, Decision, PlayerState, ShardState, player_append
from domain.ledger import transfer as made_transfer
from domain.ports import StoredEvent
from domain.transfer_errors import NotReversible
from domain.treasury import draw

# The transfers a clawback may reverse: what the treasury or an issuer paid a player for.
CLAWBACK_CODES = frozenset({"top_up", "purchase", "referral_bonus", "grant", "item_use"})
MAX_TARGETS = 50_000
Outcome = Literal["reversed", "skipped", "refused"]


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    """How far a clawback got: its stream's head, as the step and the status read it."""

    version: int
    done: int
    total: int
    skipped: int = 0
    refused: int = 0
    debt_created: dict[str, int] = msgspec.field(default_factory=dict)
    finished: Literal["done", "failed"] | None = None  # once finished


def check_filter(f: ClawbackFilter, catalog: Catalog) -> None:
    """Refuse a filter that names nothing, a code no clawback reverses, an unknown asset or an
    empty time range: a clawback is an operator's sharpest tool."""
    if not (f.code or f.asset or f.from_ or f.to or f.metadata or f.players):
        raise InvalidClawbackFilter(
            "the filter must name a code, an asset, a time range, metadata or players",
            field="filter",
        )
    if f.code is not None and f.code not in CLAWBACK_CODES:
        codes = ", ".join(sorted(CLAWBACK_CODES))
        raise InvalidClawbackFilter(
            f"a clawback reverses only {codes} transfers, not {f.code}", field="code"
        )
    if f.asset is not None and f.asset not in catalog.asset_codes():
        raise InvalidClawbackFilter(f"there is no asset '{f.asset}'", field="asset")
    if f.from_ is not None and f.to is not None and f.from_ >= f.to:
        raise InvalidClawbackFilter("'from' must be before 'to'", field="from")


def matches(f: ClawbackFilter, t: Transferred) -> bool:
    """True when the filter takes this transfer (its own copy, of a code a clawback reverses)."""
    if t.mirror or t.code not in CLAWBACK_CODES or (f.code and t.code != f.code):
        return False
    if f.asset and all(leg.asset != f.asset for leg in t.legs):
        return False
    if (f.from_ and t.occurred_at < f.from_) or (f.to and t.occurred_at >= f.to):
        return False
    return all(t.metadata.get(k) == v for k, v in f.metadata.items())


def check_reversible(original: Transferred) -> str:
    """The currency of the treasury legs a reversal moves (diamond when none)."""
    if original.code not in CLAWBACK_CODES:
        raise NotReversible(
            f"a {original.code} transfer cannot be clawed back",
            transferId=original.transfer_id,
            code=original.code,
        )
    currencies = {leg.asset for leg in original.legs if accounts.is_treasury(leg.account)}
    if len(currencies) > 1:
        raise NotReversible(
            "only transfers whose treasury legs are all in one currency can be reversed",
            transferId=original.transfer_id,
            code=original.code,
        )
    return next(iter(currencies), CURRENCY)


def reversed_legs(original: Transferred, shard_account: str) -> tuple[Leg, ...]:
    """The original's legs undone: money back to the treasury goes to inflow, money out of it
    comes from a shard (the rule every reversal keeps)."""

    def leg(g: Leg) -> Leg:
        if not accounts.is_treasury(g.account):
            return Leg(g.account, g.asset, -g.amount)
        return Leg(accounts.INFLOW if g.amount < 0 else shard_account, g.asset, -g.amount)

    return tuple(leg(g) for g in original.legs)


def take_back(
    balances: Mapping[str, int], legs: Iterable[Leg], account: str
) -> tuple[tuple[Leg, ...], dict[str, int]]:
    """The legs with the player's debits cut to what they hold; the cut per asset is debt.

    The counter-legs that received the debit shrink by as much, so the transfer still balances.
    """
    out = list(legs)
    short: dict[str, int] = {}
    for asset in dict.fromkeys(g.asset for g in out):
        net = sum(g.amount for g in out if g.account == account and g.asset == asset)
        cut = -(balances.get(asset, 0) + net)
        if cut > 0:
            short[asset] = cut
            out = _cut(out, account, asset, cut)
    return tuple(g for g in out if g.amount), short


def _cut(legs: list[Leg], account: str, asset: str, cut: int) -> list[Leg]:
    mine, theirs = cut, cut
    out: list[Leg] = []
    for g in legs:
        if g.asset != asset:
            out.append(g)
        elif g.account == account and g.amount < 0 and mine:
            less = min(mine, -g.amount)
            mine -= less
            out.append(Leg(g.account, asset, g.amount + less))
        elif g.account != account and g.amount > 0 and theirs:
            less = min(theirs, g.amount)
            theirs -= less
            out.append(Leg(g.account, asset, g.amount - less))
        else:
            out.append(g)
    return out


def progress_of(head: StoredEvent | None) -> Progress:
    """The clawback's progress from its stream's head (version 0: no such clawback)."""
    if head is None:
        return Progress(version=NO_STREAM, done=0, total=0)
    event = head.event
    if isinstance(event, ClawbackStarted):
        return Progress(version=head.version, done=0, total=len(event.targets))
    if isinstance(event, ClawbackStepped | ClawbackFinished):
        finished = event.status if isinstance(event, ClawbackFinished) else None
        return Progress(
            version=head.version,
            done=event.done,
            total=event.total,
            skipped=event.skipped,
            refused=event.refused,
            debt_created=dict(event.debt_created),
            finished=finished,
        )
    return Progress(version=head.version, done=0, total=0)


def decide_step(
    player: PlayerState,
    original: Transferred,
    shard: ShardState,
    debt: DebtState,
    progress: Progress,
    cmd: ClawbackStep,
    *,
    reversal_id: str,
    now: datetime,
) -> Decision:
    """Reverse `original` once (its claim), what the player no longer holds as their debt, and
    the clawback's step (and its end, after the last) in the same transaction."""
    account = accounts.player_account(player.player_id)
    legs, short = take_back(player.balances, reversed_legs(original, shard.account), account)
    details = ReversalDetails(reverses=original.transfer_id, reason=cmd.reason)
    made = made_transfer(
        player, legs, code="reversal", transfer_id=reversal_id, now=now, details=details
    )
    appends = [
        player_append(player, made),
        Append(
            stream=accounts.reversal_stream(original.transfer_id),
            expected=NO_STREAM,
            events=(Claimed(owner=reversal_id, occurred_at=now),),
        ),
    ]
    paid = sum(-g.amount for g in legs if accounts.is_shard(g.account) and g.amount < 0)
    if paid:
        appends.append(draw(shard, paid, (reversal_id,), now))
    if short:
        owed = {a: debt.debts.get(a, 0) + short.get(a, 0) for a in {*debt.debts, *short}}
        appends.append(debt.append(reversal_id, owed, now))
    step = _stepped(progress, cmd, "reversed", now, reversal_id=reversal_id, debt=short)
    appends.append(step)
    return Decision(appends=tuple(appends))


def decide_skip(
    progress: Progress, cmd: ClawbackStep, refusal: str | None, now: datetime
) -> Decision:
    """A step that reverses nothing: already reversed (`refusal` None) or refused (its slug)."""
    outcome: Outcome = "skipped" if refusal is None else "refused"
    return Decision(appends=(_stepped(progress, cmd, outcome, now, refusal=refusal),))


def _stepped(
    progress: Progress,
    cmd: ClawbackStep,
    outcome: Outcome,
    now: datetime,
    *,
    reversal_id: str | None = None,
    refusal: str | None = None,
    debt: dict[str, int] | None = None,
) -> Append:
    owed = debt or {}
    created = dict(progress.debt_created)
    for asset, amount in owed.items():
        created[asset] = created.get(asset, 0) + amount
    skipped = progress.skipped + (outcome == "skipped")
    refused = progress.refused + (outcome == "refused")
    done = progress.done + 1
    events: list[Event] = [
        ClawbackStepped(
            clawback_id=cmd.clawback_id,
            index=cmd.index,
            transfer_id=cmd.transfer_id,
            outcome=outcome,
            reversal_id=reversal_id,
            refusal=refusal,
            debt=owed,
            done=done,
            total=progress.total,
            skipped=skipped,
            refused=refused,
            debt_created=created,
            occurred_at=now,
        )
    ]
    if done >= progress.total:
        events.append(
            ClawbackFinished(
                clawback_id=cmd.clawback_id,
                status="failed" if refused else "done",
                done=done,
                total=progress.total,
                skipped=skipped,
                refused=refused,
                debt_created=created,
                occurred_at=now,
            )
        )
    stream = accounts.clawback_stream(cmd.clawback_id)
    return Append(stream=stream, expected=progress.version, events=tuple(events))
