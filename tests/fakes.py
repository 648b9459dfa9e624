"""Test doubles for the unit level: an in-memory event store that enforces expected versions,
and a handler that drives the pure decide functions the way `LedgerService` does."""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from domain import accounts
from domain.assets import DEFAULT_CATALOG, Catalog
from domain.commands import Command, EconomyRules, Purchase, Reverse, SignUp, TopUp
from domain.errors import (
    AlreadyReversed,
    StreamVersionConflict,
    TreasuryDepleted,
    UnknownReferralCode,
    UnknownTransfer,
    UsernameTaken,
)
from domain.events import Claimed, Event, Transferred
from domain.ledger import Decision, PlayerState, ShardState
from domain.players import decide_purchase, decide_reversal, decide_signup, decide_top_up
from domain.state import player_state, shard_state
from domain.treasury import ShardShort, SweeperState, decide_genesis, decide_sweep, shard_order
from infra.eventstore import StoredEvent

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Sweep(msgspec.Struct, frozen=True, kw_only=True):
    """The sweeper's run, with the inflow credits the (lagging) projection has folded."""

    inflow_credited: int


class FakeEventStore:
    """Streams in memory; an append is all-or-nothing and checks every expected version."""

    def __init__(self) -> None:
        self.streams: dict[str, list[StoredEvent]] = {}
        self.log: list[StoredEvent] = []

    def version(self, stream: str) -> int:
        """The stream's latest version (0 when it does not exist)."""
        return len(self.streams.get(stream, ()))

    def latest(self, stream: str) -> StoredEvent | None:
        """The newest event of a stream."""
        events = self.streams.get(stream)
        return events[-1] if events else None

    def append(self, decision: Decision) -> None:
        """Write every append, or raise StreamVersionConflict and write nothing."""
        for append in decision.appends:
            if append.expected != self.version(append.stream):
                raise StreamVersionConflict("stale", stream=append.stream)
        for append in decision.appends:
            for event in append.events:
                self._write(append.stream, event)

    def _write(self, stream: str, event: Event) -> None:
        stored = StoredEvent(
            stream_id=stream,
            version=self.version(stream) + 1,
            global_position=len(self.log) + 1,
            event=event,
            recorded_at=NOW,
        )
        self.streams.setdefault(stream, []).append(stored)
        self.log.append(stored)

    def transfers(self) -> list[Transferred]:
        """Every transfer in the order it was written."""
        return [s.event for s in self.log if isinstance(s.event, Transferred)]


class FakeLedger:
    """Read, decide (the real pure functions), append: the service without a database."""

    def __init__(self, rules: EconomyRules, catalog: Catalog = DEFAULT_CATALOG) -> None:
        self.rules = rules
        self.catalog = catalog
        self.store = FakeEventStore()
        self._ids = itertools.count(1)
        self.store.append(decide_genesis(rules, transfer_id=self.new_id(), now=NOW))

    def new_id(self) -> str:
        """A fresh id (deterministic, so failures reproduce)."""
        return f"id{next(self._ids)}"

    def handle(self, command: Command | Sweep) -> Decision | None:
        """Decide and append; what was written."""
        decision = self.decide(command)
        if decision is not None:
            self.store.append(decision)
        return decision

    def decide(self, command: Command | Sweep) -> Decision | None:
        """The decision the current state leads to, not yet written."""
        match command:
            case SignUp():
                return self._signup(command)
            case TopUp():
                return self._from_shards(lambda shard: self._top_up(command, shard))
            case Purchase():
                return self._purchase(command)
            case Reverse():
                return self._reverse(command)
            case Sweep():
                return self._sweep(command)
        raise TypeError(command)

    def player(self, player_id: str) -> PlayerState:
        """A player's state as the service loads it: from the newest event."""
        return player_state(player_id, self.store.latest(accounts.player_account(player_id)))

    def shard(self, index: int) -> ShardState:
        """A shard's state as the service loads it."""
        return shard_state(index, self.store.latest(accounts.shard_account(index)))

    def owner(self, claim_stream: str) -> str | None:
        """Who holds a claim (username, referral code), if anyone."""
        stored = self.store.latest(claim_stream)
        return stored.event.owner if stored and isinstance(stored.event, Claimed) else None

    def _from_shards(self, decide: Callable[[ShardState], Decision]) -> Decision:
        start = len(self.store.log) % self.rules.shard_count
        for index in shard_order(start, self.rules.shard_count):
            try:
                return decide(self.shard(index))
            except ShardShort:
                continue
        raise TreasuryDepleted("no shard can fund this")

    def _signup(self, cmd: SignUp) -> Decision:
        if self.owner(accounts.username_stream(cmd.username)):
            raise UsernameTaken("taken", username=cmd.username)
        referrer = None
        if cmd.referral_code is not None:
            owner = self.owner(accounts.referral_stream(cmd.referral_code))
            if owner is None:
                raise UnknownReferralCode("unknown", referralCode=cmd.referral_code)
            referrer = self.player(owner)
        number = next(self._ids)
        return self._from_shards(
            lambda shard: decide_signup(
                cmd,
                player_id=f"p{number}",
                referral_code=f"CODE{number}",
                bonus_ids=(f"bonus{number}a", f"bonus{number}b"),
                referrer=referrer,
                shard=shard,
                rules=self.rules,
                now=NOW,
            )
        )

    def _top_up(self, cmd: TopUp, shard: ShardState) -> Decision:
        player = self.player(cmd.player_id)
        return decide_top_up(
            player, shard, cmd, transfer_id=self.new_id(), rules=self.rules, now=NOW
        )

    def _purchase(self, cmd: Purchase) -> Decision:
        return decide_purchase(
            self.player(cmd.player_id),
            cmd,
            catalog=self.catalog,
            transfer_id=self.new_id(),
            rules=self.rules,
            now=NOW,
        )

    def _reverse(self, cmd: Reverse) -> Decision:
        stream = self.store.streams.get(accounts.player_account(cmd.player_id), [])
        found = [
            s.event
            for s in stream
            if isinstance(s.event, Transferred) and s.event.transfer_id == cmd.transfer_id
        ]
        if not found:
            raise UnknownTransfer("no such transfer", transferId=cmd.transfer_id)
        if self.store.latest(accounts.reversal_stream(cmd.transfer_id)):
            raise AlreadyReversed("already reversed", transferId=cmd.transfer_id)
        player = self.player(cmd.player_id)
        transfer_id = self.new_id()
        return self._from_shards(
            lambda shard: decide_reversal(
                player, found[0], shard, cmd, transfer_id=transfer_id, now=NOW
            )
        )

    def _sweep(self, cmd: Sweep) -> Decision | None:
        head = self.store.latest(accounts.TREASURY_STREAM)
        assert head is not None
        assert isinstance(head.event, Transferred)
        sweeper = SweeperState(head.version, head.event.state_after.get("swept", 0))
        shards = [self.shard(i) for i in range(self.rules.shard_count)]
        return decide_sweep(
            sweeper, cmd.inflow_credited, shards, transfer_id=self.new_id(), now=NOW
        )
