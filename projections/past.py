"""A player's wallet in the past: the state after the last event at or before a version or time.

Each history entry records the wallet after it (`state_after`, every asset), so the past is one
probe of an index: the primary key (player_id, version) for a version, rm_history's
(player_id, occurred_at, version) for a time. Nothing is replayed, whatever the stream's length
(docs/history-queries.md). The profile and the stream's head come from the player's stream.
"""

from datetime import datetime
from typing import Any

import msgspec

from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.errors import UnknownVersion
from infra import eventstore_reads
from infra.db import Conn
from projections.queries import wait_covered

AT_VERSION = """
SELECT version, occurred_at, state_after::text AS state FROM rm_history
 WHERE player_id = $1 AND version <= $2 ORDER BY version DESC LIMIT 1
"""

AT_TIME = """
SELECT version, occurred_at, state_after::text AS state FROM rm_history
 WHERE player_id = $1 AND occurred_at <= $2 ORDER BY occurred_at DESC, version DESC LIMIT 1
"""


class Registration(msgspec.Struct, kw_only=True):
    username: str
    referral_code: str
    occurred_at: datetime


class PastWallet(msgspec.Struct, kw_only=True):
    """The wallet after `version` (0: before the player existed), as of `as_of`."""

    player_id: str
    username: str
    referral_code: str
    version: int
    balances: dict[str, int]
    as_of: datetime | None
    stale: bool


_state = msgspec.json.Decoder(dict[str, int])
_registration = msgspec.json.Decoder(Registration)


async def wallet_at(
    conn: Conn,
    player_id: str,
    *,
    version: int | None = None,
    at: datetime | None = None,
    wait_seconds: float = 2.0,
) -> PastWallet:
    """The wallet after the last event at or before `version` or `at` (the latest without)."""
    head, first = await eventstore_reads.head_and_first(conn, accounts.player_account(player_id))
    if head is None or first is None:
        raise UnknownPlayer("no such player", playerId=player_id)
    if version is not None and version > head:
        raise UnknownVersion(
            f"the player's stream has no version {version}; its latest is {head}",
            version=version,
            latest=head,
        )
    target = head if version is None else version
    fresh = await wait_covered(conn, player_id, target, wait_seconds)
    if at is not None:
        row = await conn.fetchrow(AT_TIME, player_id, at)
    else:
        row = await conn.fetchrow(AT_VERSION, player_id, target)
    registered = _registration.decode(first)
    return _wallet(player_id, registered, row, at, stale=not fresh)


def _wallet(
    player_id: str, registered: Registration, row: Any, at: datetime | None, *, stale: bool
) -> PastWallet:
    if row is not None:
        version, as_of, balances = row["version"], row["occurred_at"], _state.decode(row["state"])
    elif at is None or registered.occurred_at <= at:  # registered, nothing moved yet
        version, as_of, balances = 1, registered.occurred_at, {}
    else:  # before the player existed
        version, as_of, balances = 0, None, {}
    return PastWallet(
        player_id=player_id,
        username=registered.username,
        referral_code=registered.referral_code,
        version=version,
        balances=balances,
        as_of=as_of,
        stale=stale,
    )
