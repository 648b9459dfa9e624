"""Time travel for debugging: each event of a stream with the stream's state after it.

The state is recomputed from the events (legs, budgets, claims), not copied from them, so a
replay also shows where a carried `state_after` would disagree. Events hold no secrets
(password hashes live in `credentials`), so everything here may be printed.
"""

from datetime import datetime
from typing import Any

import msgspec

from domain import accounts, holds, lots, trades
from domain.escrow import outcome
from domain.escrow_events import HoldPlaced, TradeOffered
from domain.event_base import Event
from domain.events import Claimed, TrancheChanged, Transferred, event_type_of
from infra import codec, eventstore_reads
from infra.db import Conn


class ReplayStep(msgspec.Struct, kw_only=True):
    """One event of the stream and the state after it."""

    version: int
    position: int
    recorded_at: datetime
    event_type: str
    event: dict[str, Any]
    state_after: dict[str, Any]


async def replay(
    conn: Conn, stream: str, until_version: int | None = None, at: datetime | None = None
) -> list[ReplayStep]:
    """The stream's events up to `until_version` and/or time `at`, each with its state after."""
    state: dict[str, Any] = {}
    steps = []
    for stored in await eventstore_reads.read_until(conn, stream, until_version, at):
        state = evolve(stream, state, stored.event)
        steps.append(
            ReplayStep(
                version=stored.version,
                position=stored.global_position,
                recorded_at=stored.recorded_at,
                event_type=event_type_of(stored.event),
                event=codec.as_v1(stored.event),
                state_after=state,
            )
        )
    return steps


_ESCROWS = ((accounts.is_hold, holds.USE), (accounts.is_trade, trades.USE))


def evolve(stream: str, state: dict[str, Any], event: Event) -> dict[str, Any]:
    """The stream's state after `event` (a new dict: earlier steps keep theirs)."""
    if isinstance(event, Transferred) and accounts.is_treasury_stream(stream):
        return {"swept": event.state_after.get("swept", 0)}
    if isinstance(event, HoldPlaced):  # its money arrived with the player's copy
        return {"status": "pending", "balances": {event.asset: event.amount}}
    if isinstance(event, TradeOffered):  # its escrow arrived with the offerer's copy
        return {"status": "open", "balances": dict(event.give)}
    if isinstance(event, Transferred):
        balances = dict(state.get("balances", {}))
        for leg in event.legs:
            if leg.account == stream:
                balances[leg.asset] = balances.get(leg.asset, 0) + leg.amount
        for is_escrow, use in _ESCROWS:
            if is_escrow(stream) and (closed := outcome(use, event)):
                return {**state, "status": closed[0], "balances": balances}
        return _with_lots({**state, "balances": balances}, event)
    if isinstance(event, TrancheChanged):
        return {"budget": state.get("budget", 0) + event.delta}
    if isinstance(event, Claimed):
        return {"owner": event.owner}
    return {**state, "balances": dict(state.get("balances", {}))}


def _with_lots(state: dict[str, Any], event: Transferred) -> dict[str, Any]:
    """A player's state with the lots of expiring currency the event leaves, if any (as
    `GET /balance` shows them)."""
    held = event.timed.lots if event.timed is not None else {}
    state.pop("lots", None)
    return {**state, "lots": lots.shown(held)} if held else state


async def resolve_stream(conn: Conn, name: str) -> str | None:
    """A raw stream id, a username or a player id, as the stream it names (None if none)."""
    if ":" in name or name == accounts.TREASURY_STREAM:
        return name if await eventstore_reads.exists(conn, name) else None
    owner = await eventstore_reads.claim_owner(conn, accounts.username_stream(name))
    if owner is not None:
        return accounts.player_account(owner)
    stream = accounts.player_account(name)
    return stream if await eventstore_reads.exists(conn, stream) else None
