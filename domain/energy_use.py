"""Energy in transfers: the legs and the meters that spending, paying or granting energy writes.

Touching an energy first writes what it refilled since its last touch as a leg from its issuer
(`issuer:stamina`), in the same transfer; a player's first touch first issues the energy's
`start` the same way, so a new player has `start` and the ledger still balances. What is spent
goes back to the issuer. The player's balance of the energy always equals its meter's
`current`, which the audit checks.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

import msgspec

from domain import accounts
from domain.assets import Catalog, Energy
from domain.commands import EconomyRules, Grant, SpendEnergy
from domain.details import EnergyDetails
from domain.energies import (
    EnergyLevel,
    EnergyMeter,
    Modifier,
    level,
    refilled,
    unlimited,
    untouched,
    with_modifier,
)
from domain.errors import check_range
from domain.events import Leg, TransferCode
from domain.ledger import Decision, PlayerState, player_append, transfer
from domain.shop_errors import InsufficientEnergy, UnknownEnergy
from domain.timed import TimedState
from domain.transfer_errors import InvalidAmount


class EnergyMoves(msgspec.Struct, frozen=True, kw_only=True):
    """What one transfer does to a player's energies: its legs and the meters after it."""

    legs: tuple[Leg, ...] = ()
    timed: TimedState | None = None  # None: no energy touched (the player's carries forward)
    refilled: dict[str, int] = {}
    started: dict[str, int] = {}
    credited: dict[str, int] = {}
    unlimited: frozenset[str] = frozenset()  # energies spent under an `unlimited` modifier


def moves(
    player: PlayerState,
    catalog: Catalog,
    now: datetime,
    *,
    spend: Mapping[str, int] | None = None,
    credit: Mapping[str, int] | None = None,
    modifier: tuple[str, Modifier] | None = None,
) -> EnergyMoves:
    """Refill every energy touched, then spend (refused when short) and credit (up to the
    energy's `overfillMax`) what is asked, and add a granted modifier."""
    spend, credit = spend or {}, credit or {}
    codes = [*spend, *(c for c in credit if c not in spend)]
    if modifier is not None and modifier[0] not in codes:
        codes.append(modifier[0])
    if not codes:
        return EnergyMoves()
    account = accounts.player_account(player.player_id)
    meters = dict(player.timed.energies)
    done = EnergyMoves()
    for code in codes:
        energy = find(catalog, code)
        granted = modifier[1] if modifier is not None and modifier[0] == code else None
        one = _move(account, energy, meters.get(code), now, spend.get(code, 0), credit, granted)
        meters[code] = one.meter
        done = msgspec.structs.replace(
            done,
            legs=(*done.legs, *one.legs),
            refilled={**done.refilled, code: one.refilled},
            started={**done.started, code: one.started},
            credited={**done.credited, code: one.credited},
            unlimited=done.unlimited | {code} if one.free else done.unlimited,
        )
    return msgspec.structs.replace(
        done, timed=msgspec.structs.replace(player.timed, energies=meters)
    )


class _Move(msgspec.Struct, frozen=True, kw_only=True):
    meter: EnergyMeter
    legs: tuple[Leg, ...]
    started: int
    refilled: int
    credited: int
    free: bool


def _move(
    account: str,
    energy: Energy,
    stored: EnergyMeter | None,
    now: datetime,
    spent: int,
    credit: Mapping[str, int],
    modifier: Modifier | None,
) -> _Move:
    """One energy: its start (a first touch), its refill, the spend, the credit, the modifier."""
    base = stored or untouched(energy, now)
    meter = refilled(base, energy, now)
    started = energy.start if stored is None else 0
    refill = meter.current - base.current
    legs = [*_issue(account, energy.code, started), *_issue(account, energy.code, refill)]
    meter, spent_legs, free = _spend(meter, energy, spent, now, account)
    gained = min(credit.get(energy.code, 0), max(0, energy.ceiling - meter.current))
    legs += [*spent_legs, *_issue(account, energy.code, gained)]
    meter = msgspec.structs.replace(meter, current=meter.current + gained)
    if modifier is not None:
        meter = with_modifier(meter, modifier)
    return _Move(
        meter=meter, legs=tuple(legs), started=started, refilled=refill, credited=gained, free=free
    )


def find(catalog: Catalog, code: str) -> Energy:
    """The catalog's energy of this code, or the refusal that names the catalog's energies."""
    energy = catalog.energy(code)
    if energy is None:
        raise UnknownEnergy(
            f"there is no energy '{code}'", energy=code, available=list(catalog.energy_codes())
        )
    return energy


def split(amounts: Mapping[str, int], catalog: Catalog) -> tuple[dict[str, int], dict[str, int]]:
    """Amounts per code, parted into (energies, everything else)."""
    energies = set(catalog.energy_codes())
    return (
        {code: n for code, n in amounts.items() if code in energies},
        {code: n for code, n in amounts.items() if code not in energies},
    )


def seen(timed: TimedState | None, catalog: Catalog, code: str, now: datetime) -> EnergyLevel:
    """The energy as the player sees it at `now`, from the state a transfer left."""
    energy = find(catalog, code)
    meter = (timed.energies.get(code) if timed else None) or untouched(energy, now)
    return level(code, meter, energy, now)


def decide_spend(
    player: PlayerState,
    cmd: SpendEnergy,
    *,
    catalog: Catalog,
    transfer_id: str,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """`POST /energies/{code}/spend`: the refill since the last touch, then the spend, in one
    transfer (an `unlimited` modifier lets it through without lowering the value)."""
    find(catalog, cmd.energy)
    message = f"amount must be an integer from 1 to {rules.max_quantity}"
    check_range(InvalidAmount, message, "amount", cmd.amount, rules.max_quantity)
    done = moves(player, catalog, now, spend={cmd.energy: cmd.amount})
    details = _details(done, cmd.energy, cmd.amount)
    return _decision(player, done, "energy_spend", transfer_id, now, details)


def decide_grant(
    player: PlayerState,
    cmd: Grant,
    *,
    catalog: Catalog,
    transfer_id: str,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """A game server's grant of energy: it may go above `max`, up to `overfillMax` (what is
    past that is not credited), and may carry a timed modifier that starts now."""
    assert cmd.energy is not None, "an energy grant names its energy"
    find(catalog, cmd.energy)
    message = f"amount must be an integer from 1 to {rules.top_up_max}"
    check_range(InvalidAmount, message, "amount", cmd.amount, rules.top_up_max)
    modifier = None
    if cmd.modifier is not None:
        ends = now + timedelta(seconds=cmd.modifier.seconds)
        modifier = Modifier(
            kind=cmd.modifier.kind,
            starts_at=now,
            ends_at=ends,
            factor=cmd.modifier.factor if cmd.modifier.kind == "refillFaster" else 1,
        )
    touched = (cmd.energy, modifier) if modifier is not None else None
    done = moves(player, catalog, now, credit={cmd.energy: cmd.amount}, modifier=touched)
    details = msgspec.structs.replace(
        _details(done, cmd.energy, cmd.amount),
        credited=done.credited.get(cmd.energy, 0),
        modifier=modifier,
        reason=cmd.reason,
    )
    return _decision(player, done, "energy_grant", transfer_id, now, details)


def _spend(
    meter: EnergyMeter, energy: Energy, amount: int, now: datetime, account: str
) -> tuple[EnergyMeter, list[Leg], bool]:
    """The meter after spending `amount`, its legs, and whether `unlimited` let it through."""
    if amount == 0:
        return meter, [], False
    if unlimited(meter, now):
        return meter, [], True
    if meter.current < amount:
        shown = level(energy.code, meter, energy, now)
        raise InsufficientEnergy(
            f"spending {amount} {energy.name} needs {amount} but the player has {meter.current}",
            said=f"Not enough {energy.name}: {amount} needed, {meter.current} left.",
            energy=energy.code,
            amount=amount,
            current=meter.current,
            nextRefillAt=shown.next_refill_at.isoformat().replace("+00:00", "Z")
            if shown.next_refill_at
            else None,
        )
    after = msgspec.structs.replace(meter, current=meter.current - amount)
    legs = [
        Leg(account, energy.code, -amount),
        Leg(accounts.issuer_account(energy.code), energy.code, amount),
    ]
    return after, legs, False


def _issue(account: str, code: str, count: int) -> list[Leg]:
    if count <= 0:
        return []
    return [Leg(accounts.issuer_account(code), code, -count), Leg(account, code, count)]


def _details(done: EnergyMoves, code: str, amount: int) -> EnergyDetails:
    return EnergyDetails(
        energy=code,
        amount=amount,
        refilled=done.refilled.get(code, 0),
        started=done.started.get(code, 0),
        unlimited=code in done.unlimited,
    )


def _decision(
    player: PlayerState,
    done: EnergyMoves,
    code: TransferCode,
    transfer_id: str,
    now: datetime,
    details: EnergyDetails,
) -> Decision:
    made = transfer(
        player,
        done.legs,
        code=code,
        transfer_id=transfer_id,
        now=now,
        details=details,
        timed=done.timed,
    )
    return Decision(appends=(player_append(player, made),))
