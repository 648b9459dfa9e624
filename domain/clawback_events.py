"""The events of a clawback's `clawback:` stream: the list of transfers it reverses (with the
filter that chose them), one step per transfer handled, and its end."""

from datetime import datetime
from typing import Literal

import msgspec

from domain.event_base import Event


class ClawbackFilter(msgspec.Struct, frozen=True, kw_only=True, rename={"from_": "from"}):
    """Which transfers a clawback reverses (every given field must match; `players` are
    usernames, as the operator wrote them)."""

    code: str | None = None
    asset: str | None = None
    from_: datetime | None = None
    to: datetime | None = None
    metadata: dict[str, str] = {}
    players: tuple[str, ...] = ()


class ClawbackTarget(msgspec.Struct, frozen=True, array_like=True):
    """One transfer a clawback reverses, and the player whose stream holds it."""

    player_id: str
    transfer_id: str


class ClawbackStarted(Event, frozen=True, kw_only=True, tag="clawback_started"):
    """A clawback's list (version 1 of its `clawback:` stream): the transfers matching `filter`
    at or below log position `upto`, in log order. The runner works it from the stream's head."""

    clawback_id: str
    filter: ClawbackFilter
    reason: str
    actor: str
    upto: int
    targets: tuple[ClawbackTarget, ...]
    occurred_at: datetime


class ClawbackStepped(Event, frozen=True, kw_only=True, tag="clawback_stepped"):
    """Target `index` of a clawback handled, in the same transaction as its reversal: reversed
    (with the `debt` it left), skipped (already reversed) or refused (`refusal`, a slug). The
    totals so far ride along, so the head alone answers for the clawback."""

    clawback_id: str
    index: int
    transfer_id: str
    outcome: Literal["reversed", "skipped", "refused"]
    reversal_id: str | None = None
    refusal: str | None = None
    debt: dict[str, int] = {}
    done: int
    total: int
    skipped: int = 0
    refused: int = 0
    debt_created: dict[str, int] = {}
    occurred_at: datetime


class ClawbackFinished(Event, frozen=True, kw_only=True, tag="clawback_finished"):
    """A clawback worked its whole list: `done`, or `failed` when some transfer was refused."""

    clawback_id: str
    status: Literal["done", "failed"]
    done: int
    total: int
    skipped: int = 0
    refused: int = 0
    debt_created: dict[str, int] = {}
    occurred_at: datetime
