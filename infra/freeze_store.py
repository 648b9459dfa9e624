"""The freezes in force, as every process follows them (DESIGN-NOTES note 16): the `freeze:`
streams read through their partial index, re-read at once on NOTIFY and every POLL seconds
otherwise (infra/follower.py), folded into the index the pipeline refuses writes by."""

from collections.abc import Callable, Sequence

from domain.freeze_events import FreezeLifted, FreezePlaced
from domain.freezes import ActiveFreeze, FreezeIndex
from infra import eventstore_reads
from infra.db import Conn
from infra.eventstore import StoredEvent
from infra.follower import Connect, Follower

CHANNEL = "gameledger_freezes"
_NOTIFY = "SELECT pg_notify($1, '')"


def active(events: Sequence[StoredEvent]) -> list[ActiveFreeze]:
    """The freezes placed and not lifted, oldest first."""
    placed: dict[str, ActiveFreeze] = {}
    for stored in events:
        event = stored.event
        if isinstance(event, FreezePlaced):
            placed[event.freeze_id] = ActiveFreeze(
                freeze_id=event.freeze_id,
                scope=event.scope,
                target=event.target,
                reason=event.reason,
                created_at=event.occurred_at,
                created_by=event.created_by,
                player_id=event.player_id,
            )
        elif isinstance(event, FreezeLifted):
            placed.pop(event.freeze_id, None)
    return list(placed.values())


async def read_active(conn: Conn) -> list[ActiveFreeze]:
    """The freezes in force now."""
    return active(await eventstore_reads.freeze_events(conn))


async def notify(conn: Conn) -> None:
    """Wake every process's follower (inside a transaction: on its commit)."""
    await conn.execute(_NOTIFY, CHANNEL)


class FreezeFollower(Follower):
    """Hands the freezes in force to `on_change` whenever they change: LISTEN, re-read, poll."""

    channel = CHANNEL
    name = "freezes"

    def __init__(self, connect: Connect, on_change: Callable[[FreezeIndex], None]) -> None:
        super().__init__(connect)
        self._on_change = on_change
        self._seen: tuple[ActiveFreeze, ...] | None = None

    async def read(self, conn: Conn, began: float) -> None:
        """One read of the freeze streams; a changed set goes to `on_change`."""
        del began
        found = tuple(await read_active(conn))
        if found != self._seen:
            self._seen = found
            self._on_change(FreezeIndex(found))
