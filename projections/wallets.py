"""One wallet row per player: everything `GET /balance` answers, in one row (issue 22).

Marten's "one document per aggregate": the read is a primary-key probe, and the row's `version`
covers every column, because the players projector writes it in the batch's transaction and a
batch never ends inside a transaction (infra/eventstore_reads.py `read_after`):
- `state` and `timed` are the newest player event's `state_after` and `timed`, as stored;
- `debt` is the newest `debt_after` of the player's debt stream (every debt change is written
  with an event of the player's stream, in the same transaction);
- `held` sums what the player's open escrows set aside. A hold's capture does not always write
  the player's stream, so the escrows are folded from their own streams: an opening names its
  owner and amounts (kept in `rm_wallet_escrows`), a close names only the escrow's account.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import accounts
from domain.escrow_events import HoldPlaced, TradeOffered
from domain.events import DebtChanged, PlayerRegistered, Transferred
from domain.timed import TimedState
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections.model import Table, Tables, newest_wins, sql

_DEBT_PREFIX = accounts.debt_stream("")


@dataclass
class Row:
    """A player's newest wallet within one batch (profile only if registered in it)."""

    player_id: str
    version: int
    updated_at: datetime
    state: dict[str, int] = field(default_factory=dict)
    timed: TimedState | None = None  # as the event carries it (None: the player has none)
    username: str | None = None
    referral_code: str | None = None


@dataclass
class Fold:
    """What one batch changes in the wallets: rows, debts, escrows opened and closed."""

    rows: dict[str, Row] = field(default_factory=dict)
    debts: dict[str, tuple[int, dict[str, int], datetime]] = field(default_factory=dict)
    opened: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)


def fold(events: Sequence[StoredEvent]) -> Fold:
    """The batch's newest wallet per player, debts, and escrow openings and closes, in order."""
    out = Fold()
    for stored in events:
        stream, event = stored.stream_id, stored.event
        if accounts.is_player(stream):
            _player(out, accounts.player_id_of(stream), stored)
        elif isinstance(event, DebtChanged) and stream.startswith(_DEBT_PREFIX):
            _debt(out, stream[len(_DEBT_PREFIX) :], stored.version, event, stored.recorded_at)
        elif isinstance(event, HoldPlaced):
            out.opened[stream] = (event.player_id, {event.asset: event.amount})
        elif isinstance(event, TradeOffered):
            out.opened[stream] = (event.offerer_id, dict(event.give))
        elif isinstance(event, Transferred) and (
            accounts.is_hold(stream) or accounts.is_trade(stream)
        ):
            out.closed.append(stream)  # an escrow stream's only transfer is its close
    return out


def _player(out: Fold, player_id: str, stored: StoredEvent) -> None:
    row = out.rows.setdefault(player_id, Row(player_id, 0, stored.recorded_at))
    event = stored.event
    if isinstance(event, PlayerRegistered):
        row.username, row.referral_code = event.username, event.referral_code
    # An older event never overwrites a newer state (the guard makes any order safe).
    if stored.version > row.version:
        row.version, row.updated_at = stored.version, stored.recorded_at
        transfer = event if isinstance(event, Transferred) else None
        row.state = dict(transfer.state_after) if transfer else {}
        row.timed = transfer.timed if transfer else None


def _debt(out: Fold, player_id: str, version: int, event: DebtChanged, at: datetime) -> None:
    if version > out.debts.get(player_id, (0, {}, at))[0]:
        out.debts[player_id] = (version, dict(event.debt_after), at)


WALLETS = Table(
    "rm_wallets",
    "player_id text, version bigint, username text, referral_code text, state jsonb,"
    " timed jsonb, updated_at timestamptz",
    newest_wins("player_id", kept="username, referral_code", newest="state, timed, updated_at"),
)

# A debt row for a player the batch has no wallet row for yet is opened at version 0: the
# player's own event (same transaction, so same batch or the next) fills the rest.
DEBTS = Table(
    "rm_wallets",
    "player_id text, version bigint, debt_version bigint, debt jsonb, updated_at timestamptz",
    "ON CONFLICT (player_id) DO UPDATE SET debt = EXCLUDED.debt,"
    " debt_version = EXCLUDED.debt_version WHERE t.debt_version < EXCLUDED.debt_version",
)

OPENED = Table(
    "rm_wallet_escrows",
    "escrow text, player_id text, amounts jsonb",
    "ON CONFLICT (escrow) DO NOTHING",
)

_CLOSE = """
DELETE FROM {rm_wallet_escrows} WHERE escrow = ANY($1::text[]) RETURNING player_id
"""

# The touched players' `held`, summed again from their open escrows (a handful each).
_HELD = """
UPDATE {rm_wallets} AS w
   SET held = coalesce((SELECT jsonb_object_agg(asset, total ORDER BY asset)
                          FROM (SELECT a.key AS asset, sum(a.value::bigint) AS total
                                  FROM {rm_wallet_escrows} AS e, jsonb_each_text(e.amounts) AS a
                                 WHERE e.player_id = w.player_id
                                 GROUP BY a.key) AS sums), '{{}}')
 WHERE w.player_id = ANY($1::text[])
"""


async def apply_batch(conn: Conn, batch: Fold, tables: Tables) -> None:
    """Upsert the wallets, then their debts, then the escrows and the `held` they change."""
    rows = [_wallet(batch.rows[key]) for key in sorted(batch.rows)]
    await WALLETS.write(conn, rows, tables)
    debts = [(pid, 0, v, debt, at) for pid, (v, debt, at) in sorted(batch.debts.items())]
    await DEBTS.write(conn, debts, tables)
    touched = {owner for owner, _ in batch.opened.values()}
    opened = [(escrow, owner, amounts) for escrow, (owner, amounts) in batch.opened.items()]
    await OPENED.write(conn, sorted(opened), tables)
    if batch.closed:
        gone = await conn.fetch(sql(_CLOSE, tables), batch.closed)
        touched.update(r["player_id"] for r in gone)
    if touched:
        await conn.execute(sql(_HELD, tables), sorted(touched))


def _wallet(row: Row) -> tuple[Any, ...]:
    # The jsonb columns go as the objects: Table encodes them (a TimedState as stored).
    return (
        row.player_id,
        row.version,
        row.username,
        row.referral_code,
        row.state,
        row.timed,
        row.updated_at,
    )
