"""Players' wallets: profile, currency balance, inventory and the stream version they reflect.

Every player event carries the player's full balances (`state_after`), so a batch needs only
each player's newest event: one upsert per player per batch, whatever the number of events.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import accounts
from domain.assets import CURRENCY
from domain.events import PlayerRegistered, Transferred
from infra.db import Conn
from infra.eventstore import StoredEvent
from projections import wallets
from projections.model import Projection, Table, Tables, newest_wins


@dataclass
class Wallet:
    """A player's newest state within one batch (profile only if registered in it)."""

    player_id: str
    version: int
    balances: dict[str, int]
    updated_at: datetime
    username: str | None = None
    referral_code: str | None = None
    referred_by: str | None = None
    registered_at: datetime | None = None

    @property
    def balance(self) -> int:
        """The currency balance."""
        return self.balances.get(CURRENCY, 0)

    def inventory(self) -> dict[str, int]:
        """Every non-currency asset the player has held, zeros included."""
        return {asset: n for asset, n in self.balances.items() if asset != CURRENCY}


def fold(events: Sequence[StoredEvent]) -> dict[str, Wallet]:
    """The newest wallet of each player touched by the batch."""
    wallets: dict[str, Wallet] = {}
    for stored in events:
        if not accounts.is_player(stored.stream_id):
            continue
        player_id = accounts.player_id_of(stored.stream_id)
        wallet = wallets.setdefault(
            player_id,
            Wallet(player_id=player_id, version=0, balances={}, updated_at=stored.recorded_at),
        )
        _apply(wallet, stored)
    return wallets


def _apply(wallet: Wallet, stored: StoredEvent) -> None:
    event = stored.event
    if isinstance(event, PlayerRegistered):
        wallet.username = event.username
        wallet.referral_code = event.referral_code
        wallet.referred_by = event.referred_by
        wallet.registered_at = event.occurred_at
    # An older event never overwrites a newer state (the guard makes any order safe).
    if stored.version > wallet.version:
        wallet.version = stored.version
        wallet.updated_at = stored.recorded_at
        wallet.balances = dict(event.state_after) if isinstance(event, Transferred) else {}


PLAYERS = Table(
    "rm_players",
    "player_id text, username text, referral_code text, referred_by text,"
    " registered_at timestamptz, balance bigint, version bigint, updated_at timestamptz",
    newest_wins(
        "player_id",
        kept="username, referral_code, referred_by, registered_at",
        newest="balance, updated_at",
    ),
)

INVENTORY = Table(
    "rm_inventory",
    "player_id text, item text, quantity bigint, version bigint",
    "ON CONFLICT (player_id, item) DO UPDATE SET quantity = EXCLUDED.quantity,"
    " version = EXCLUDED.version WHERE t.version < EXCLUDED.version",
)


async def apply_batch(conn: Conn, wallets: dict[str, Wallet], tables: Tables) -> None:
    """Upsert each wallet and its inventory rows (sorted: a stable lock order)."""
    rows = [wallets[key] for key in sorted(wallets)]
    await PLAYERS.write(conn, rows, tables)
    items = [(w.player_id, item, n, w.version) for w in rows for item, n in w.inventory().items()]
    await INVENTORY.write(conn, sorted(items), tables)


async def project(conn: Conn, events: Sequence[StoredEvent], tables: Tables) -> None:
    """Fold and write one batch (and the same batch into the wallet rows, projections/wallets.py:
    one checkpoint, one transaction)."""
    await apply_batch(conn, fold(events), tables)
    await wallets.apply_batch(conn, wallets.fold(events), tables)


PROJECTION = Projection(
    name="players",
    tables=("rm_players", "rm_inventory", "rm_wallets", "rm_wallet_escrows"),
    apply=project,
)
