"""Monitors (DESIGN-NOTES note 16): what one event adds to a rule's windowed counter, and when
a rule is broken. Pure: the monitors projector (projections/monitors.py) keeps the counters.

A windowed rule counts per second and per subject (the player for `player_inflow`, else one
subject ""); its value is the sum of its buckets within the window. `treasury_low` is not
windowed: its value is the asset's treasury (shards + inflow) after the event.
"""

from collections.abc import Iterator

from domain import accounts
from domain.event_base import Event
from domain.events import Transferred
from domain.monitor_events import MonitorRule

WHOLE = ""  # the one subject of a rule that is not per player


def counts(rule: MonitorRule, event: Event) -> Iterator[tuple[str, int]]:
    """(subject, amount) for each thing `event` adds to `rule`'s counter (none for a mirror:
    its legs are posted by the transfer's first copy)."""
    if not isinstance(event, Transferred) or event.mirror or rule.kind == "treasury_low":
        return
    if rule.kind == "transfers_rate":
        if _counted(rule, event):
            yield WHOLE, 1
        return
    for leg in event.legs:
        if leg.asset != rule.asset:
            continue
        if rule.kind == "supply_growth" and _circulating(leg.account):
            yield WHOLE, leg.amount
        elif rule.kind == "player_inflow" and accounts.is_player(leg.account) and leg.amount > 0:
            yield accounts.player_id_of(leg.account), leg.amount


def treasury_moves(event: Event) -> Iterator[tuple[str, int]]:
    """(asset, amount) the event moves each treasury by (shards and inflow together)."""
    if not isinstance(event, Transferred) or event.mirror:
        return
    for leg in event.legs:
        if accounts.is_treasury(leg.account):
            yield leg.asset, leg.amount


def broken(rule: MonitorRule, value: int) -> bool:
    """True when `value` breaks the rule: above the threshold (below it for treasury_low)."""
    if rule.kind == "treasury_low":
        return value < rule.threshold
    return value > rule.threshold


def _counted(rule: MonitorRule, event: Transferred) -> bool:
    if rule.code is not None and event.code != rule.code:
        return False
    return rule.asset is None or any(leg.asset == rule.asset for leg in event.legs)


def _circulating(account: str) -> bool:
    """Held outside the treasury and the issuer: a player's, a hold's, a trade's."""
    return not accounts.is_issuer(account) and not accounts.is_treasury(account)
