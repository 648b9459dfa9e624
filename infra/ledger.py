"""Command handling: read the streams' state, decide (pure), append with expected versions.

A version conflict re-reads and re-decides, a bounded number of times with jitter; only then
does the caller see a conflict. Idempotency keys are checked before and stored with the events.
"""

import asyncio
import contextlib
import contextvars
import hashlib
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import asyncpg
import msgspec
import structlog

from domain import accounts
from domain.assets import Catalog
from domain.commands import Command, EconomyRules, Purchase, Reverse, SignUp, TopUp
from domain.errors import (
    AlreadyReversed,
    DomainError,
    IdempotencyKeyReused,
    StreamVersionConflict,
    TreasuryDepleted,
    UnknownPlayer,
    UnknownReferralCode,
    UnknownTransfer,
    UsernameTaken,
)
from domain.events import Claimed, TrancheChanged, Transferred
from domain.ledger import Decision, PlayerState, ShardState
from domain.players import decide_purchase, decide_reversal, decide_signup, decide_top_up
from domain.treasury import ShardShort, SweeperState, decide_genesis, decide_sweep, shard_order
from infra import credentials, eventstore, ids, metrics
from infra.db import Conn, connection
from infra.eventstore import IdempotencyRace, IdempotencyRecord, StoredEvent

MAX_ATTEMPTS = 12
_log = structlog.get_logger(__name__)
REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
R = TypeVar("R", bound=msgspec.Struct)
Attempt = Callable[[Conn], Awaitable[tuple[Decision, R]]]


class TransferResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a money command returns (and what a retried key returns again)."""

    transfer_id: str
    player_id: str
    version: int
    balances: dict[str, int]


class SignUpResult(msgspec.Struct, frozen=True, kw_only=True):
    """A new player's ids and state right after signup."""

    player_id: str
    username: str
    referral_code: str
    version: int
    balances: dict[str, int]


class Batcher(Protocol):
    """Group commit (infra/group_commit.py): coalesces concurrent commands into one statement."""

    async def submit(self, command: TopUp | Purchase, key: str | None) -> "TransferResult": ...


def new_referral_code() -> str:
    """An unguessable referral code from the OS CSPRNG (32^10 = 2^50 codes)."""
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(10))


def fingerprint(command: Command) -> str:
    """A stable digest of a command, to tell a retry from a different request."""
    body = msgspec.json.encode(
        {"kind": type(command).__name__, **msgspec.to_builtins(command)}, order="sorted"
    )
    return hashlib.sha256(body).hexdigest()


def player_state(player_id: str, stored: StoredEvent | None) -> PlayerState:
    """A player's state from the newest event of its stream (balances carried on it)."""
    if stored is None:
        raise UnknownPlayer("no such player", playerId=player_id)
    event = stored.event
    balances = event.state_after if isinstance(event, Transferred) else {}
    return PlayerState(player_id=player_id, version=stored.version, balances=dict(balances))


def shard_state(index: int, stored: StoredEvent | None) -> ShardState:
    """A shard's budget from the newest tranche event of its stream."""
    if stored is None or not isinstance(stored.event, TrancheChanged):
        return ShardState(index=index, version=stored.version if stored else 0, budget=0)
    return ShardState(index=index, version=stored.version, budget=stored.event.budget_after)


class ShardPicker:
    """Which treasury shard a top-up starts from: one this process is not already drawing on.

    Two top-ups on one shard race for its next version and one retries. Among the shards with
    the fewest of this process's top-ups in flight, one is picked at random: a process's own
    top-ups then never collide while it has fewer in flight than there are shards, and
    processes collide with each other only by chance.
    """

    def __init__(self, count: int) -> None:
        self._in_flight = [0] * count

    def take(self) -> int:
        """A least-busy shard, marked busy until `release`."""
        fewest = min(self._in_flight)
        index = random.choice([i for i, n in enumerate(self._in_flight) if n == fewest])
        self._in_flight[index] += 1
        return index

    def release(self, index: int) -> None:
        """The top-up that took `index` has finished."""
        self._in_flight[index] -= 1


class LedgerService:
    """The write side: every command the ledger accepts."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        catalog: Catalog,
        rules: EconomyRules,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], str] = ids.new_id,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.pool = pool
        self.catalog = catalog
        self.rules = rules
        self.clock = clock
        self.new_id = new_id
        self.on_commit = on_commit
        self.conflict_retries = 0
        self._shards = ShardPicker(rules.shard_count)
        # When set, top-ups and purchases go through group commit instead of one statement each.
        self.batcher: Batcher | None = None

    async def top_up(self, cmd: TopUp, key: str | None = None) -> TransferResult:
        """The treasury pays the player; tries shards from a random start."""
        if self.batcher is not None:
            return await self.batcher.submit(cmd, key)
        held: list[int] = []
        try:
            return await self._run(
                cmd.player_id, key, cmd, self._top_up_attempt(cmd, held), TransferResult
            )
        finally:
            for index in held:
                self._shards.release(index)

    async def purchase(self, cmd: Purchase, key: str | None = None) -> TransferResult:
        """The player buys an item; one transfer, only the player's stream is checked."""
        if self.batcher is not None:
            return await self.batcher.submit(cmd, key)
        transfer_id = self.new_id()

        async def attempt(conn: Conn) -> tuple[Decision, TransferResult]:
            player = player_state(cmd.player_id, await _latest(conn, _stream(cmd)))
            decision = decide_purchase(
                player,
                cmd,
                catalog=self.catalog,
                transfer_id=transfer_id,
                rules=self.rules,
                now=self.clock(),
            )
            return decision, _transfer_result(decision, transfer_id, cmd.player_id)

        return await self._run(
            cmd.player_id, key, cmd, attempt, TransferResult, prefetch=_stream(cmd)
        )

    async def sign_up(
        self, cmd: SignUp, password_hash: str, key: str | None = None, role: str = "player"
    ) -> SignUpResult:
        """Open a player with its login; pay referral bonuses when the code is valid."""
        player_id = self.new_id()
        bonus_ids = (self.new_id(), self.new_id())

        async def attempt(conn: Conn) -> tuple[Decision, SignUpResult]:
            if await eventstore.latest(conn, accounts.username_stream(cmd.username)):
                raise UsernameTaken("this username is taken", username=cmd.username)
            referrer = await self._referrer(conn, cmd.referral_code)
            code = new_referral_code()
            decision = await self._signup_decision(conn, cmd, player_id, code, bonus_ids, referrer)
            mine = next(
                a for a in decision.appends if a.stream == accounts.player_account(player_id)
            )
            last = mine.events[-1]
            balances = last.state_after if isinstance(last, Transferred) else {}
            return decision, SignUpResult(
                player_id=player_id,
                username=cmd.username,
                referral_code=code,
                version=len(mine.events),
                balances=dict(balances),
            )

        login = credentials.Credential(
            player_id=player_id, username=cmd.username, password_hash=password_hash, role=role
        )
        return await self._run(
            f"signup:{cmd.username.lower()}", key, cmd, attempt, SignUpResult, login=login
        )

    async def _signup_decision(
        self,
        conn: Conn,
        cmd: SignUp,
        player_id: str,
        code: str,
        bonus_ids: tuple[str, str],
        referrer: PlayerState | None,
    ) -> Decision:
        # Only the referral bonus draws on the treasury: a shard too short for it sends the
        # signup to the next shard, and only when none can pay is the treasury depleted.
        count = self.rules.shard_count
        for index in shard_order(random.randrange(count), count):
            try:
                return decide_signup(
                    cmd,
                    player_id=player_id,
                    referral_code=code,
                    bonus_ids=bonus_ids,
                    referrer=referrer,
                    shard=await self._shard(conn, index),
                    rules=self.rules,
                    now=self.clock(),
                )
            except ShardShort:
                continue
        raise TreasuryDepleted("no treasury shard can fund the referral bonus")

    async def reverse(self, cmd: Reverse, key: str | None = None) -> TransferResult:
        """A correcting transfer that undoes one of the player's transfers, with a reason."""
        transfer_id = self.new_id()

        async def attempt(conn: Conn) -> tuple[Decision, TransferResult]:
            player = player_state(cmd.player_id, await eventstore.latest(conn, _stream(cmd)))
            original = await eventstore.find_transfer(conn, _stream(cmd), cmd.transfer_id)
            if original is None:
                raise UnknownTransfer("the player has no such transfer", transferId=cmd.transfer_id)
            if await eventstore.latest(conn, accounts.reversal_stream(cmd.transfer_id)):
                raise AlreadyReversed(
                    "this transfer was already reversed", transferId=cmd.transfer_id
                )
            for index in shard_order(
                random.randrange(self.rules.shard_count), self.rules.shard_count
            ):
                try:
                    decision = decide_reversal(
                        player,
                        original,
                        await self._shard(conn, index),
                        cmd,
                        transfer_id=transfer_id,
                        now=self.clock(),
                    )
                except ShardShort:
                    continue
                return decision, _transfer_result(decision, transfer_id, cmd.player_id)
            raise TreasuryDepleted("no treasury shard can fund this refund")

        return await self._run(cmd.player_id, key, cmd, attempt, TransferResult)

    async def align_with_genesis(self) -> int:
        """Use as many treasury shards as genesis funded; the count in use.

        TREASURY_SHARDS only shapes genesis. A database seeded with another count keeps it:
        starting top-ups on unfunded shards would cost a read per empty shard.
        """
        async with connection(self.pool) as conn:
            genesis = await eventstore.read_at(conn, accounts.TREASURY_STREAM, 1)
        if genesis is None or not isinstance(genesis.event, Transferred):
            return self.rules.shard_count
        funded = sum(1 for leg in genesis.event.legs if accounts.is_shard(leg.account))
        if funded and funded != self.rules.shard_count:
            _log.warning(
                "TREASURY_SHARDS differs from genesis; using genesis's count",
                configured=self.rules.shard_count,
                genesis=funded,
            )
            self.rules = msgspec.structs.replace(self.rules, shard_count=funded)
            self._shards = ShardPicker(funded)
        return self.rules.shard_count

    async def seed_genesis(self) -> bool:
        """Mint the genesis supply once; False when it was already there."""
        decision = decide_genesis(self.rules, transfer_id=self.new_id(), now=self.clock())
        async with connection(self.pool) as conn:
            try:
                await eventstore.append(conn, decision.appends, metadata={"actor": "genesis"})
            except StreamVersionConflict:
                return False
        self.on_commit()
        return True

    async def sweep(self, inflow_credited: int) -> int:
        """Refill the lowest shard with inflow the projection has folded; the amount moved."""
        async with connection(self.pool) as conn:
            streams = [accounts.TREASURY_STREAM] + [
                accounts.shard_account(i) for i in range(self.rules.shard_count)
            ]
            heads = await eventstore.latest_many(conn, streams)
            treasury = heads.get(accounts.TREASURY_STREAM)
            if treasury is None or not isinstance(treasury.event, Transferred):
                return 0
            sweeper = SweeperState(treasury.version, treasury.event.state_after.get("swept", 0))
            shards = [
                shard_state(i, heads.get(accounts.shard_account(i)))
                for i in range(self.rules.shard_count)
            ]
            decision = decide_sweep(
                sweeper, inflow_credited, shards, transfer_id=self.new_id(), now=self.clock()
            )
            if decision is None:
                return 0
            await eventstore.append(conn, decision.appends, metadata={"actor": "sweeper"})
        self.on_commit()
        return inflow_credited - sweeper.swept

    def _top_up_attempt(self, cmd: TopUp, held: list[int]) -> Attempt[TransferResult]:
        transfer_id = self.new_id()

        async def attempt(conn: Conn) -> tuple[Decision, TransferResult]:
            start = self._shards.take()
            held.append(start)
            order = shard_order(start, self.rules.shard_count)
            heads = await eventstore.latest_many(
                conn, [_stream(cmd), accounts.shard_account(order[0])]
            )
            player = player_state(cmd.player_id, heads.get(_stream(cmd)))
            for position, index in enumerate(order):
                stored = heads.get(accounts.shard_account(index)) if position == 0 else None
                shard = (
                    shard_state(index, stored) if position == 0 else await self._shard(conn, index)
                )
                try:
                    decision = decide_top_up(
                        player,
                        shard,
                        cmd,
                        transfer_id=transfer_id,
                        rules=self.rules,
                        now=self.clock(),
                    )
                except ShardShort:
                    continue
                return decision, _transfer_result(decision, transfer_id, cmd.player_id)
            raise TreasuryDepleted("no treasury shard can fund this top-up", amount=cmd.amount)

        return attempt

    async def _shard(self, conn: Conn, index: int) -> ShardState:
        return shard_state(index, await eventstore.latest(conn, accounts.shard_account(index)))

    async def _referrer(self, conn: Conn, code: str | None) -> PlayerState | None:
        if code is None:
            return None
        claim = await eventstore.read_at(conn, accounts.referral_stream(code), 1)
        if claim is None or not isinstance(claim.event, Claimed):
            raise UnknownReferralCode("no player has this referral code", referralCode=code)
        owner = claim.event.owner
        return player_state(owner, await eventstore.latest(conn, accounts.player_account(owner)))

    async def _run(
        self,
        scope: str,
        key: str | None,
        command: Command,
        attempt: Attempt[R],
        result_type: type[R],
        login: credentials.Credential | None = None,
        prefetch: str | None = None,
    ) -> R:
        kind = type(command).__name__
        try:
            result = await self._attempts(
                scope, key, command, attempt, result_type, login, prefetch
            )
        except DomainError as error:
            metrics.COMMANDS.labels(kind, error.slug).inc()
            raise
        metrics.COMMANDS.labels(kind, "ok").inc()
        # The request's log line (api/observability.py) then names the transfer and its stream.
        structlog.contextvars.bind_contextvars(
            stream=scope, transfer_id=getattr(result, "transfer_id", None)
        )
        return result

    async def _attempts(
        self,
        scope: str,
        key: str | None,
        command: Command,
        attempt: Attempt[R],
        result_type: type[R],
        login: credentials.Credential | None = None,
        prefetch: str | None = None,
    ) -> R:
        digest = fingerprint(command)
        contended: list[str] = []
        for number in range(MAX_ATTEMPTS):
            try:
                async with connection(self.pool) as conn, _turn(conn, contended):
                    result, committed = await _once(
                        conn, scope, key, digest, attempt, result_type, login, prefetch
                    )
            except StreamVersionConflict as conflict:
                self.conflict_retries += 1
                metrics.CONFLICT_RETRIES.inc()
                contended = _contended(scope, conflict.context.get("streams", ()), number)
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(number, 6)))
                continue
            except IdempotencyRace:
                continue
            if committed:
                self.on_commit()
            return result
        raise StreamVersionConflict(
            "too many concurrent writes to the same stream; try again", attempts=MAX_ATTEMPTS
        )


# A lost race on a treasury shard is retried on another shard without waiting: the next
# attempt starts from a random shard, and queueing behind the shard it lost on made concurrent
# top-ups wait for each other. Only a command that keeps losing queues on its shards too.
SHARD_LOCK_AFTER = 3


def _contended(scope: str, streams: Iterable[str], attempt: int) -> list[str]:
    """The locks the next attempt queues on: its scope, and the streams it lost on."""
    lost = {s for s in streams if attempt >= SHARD_LOCK_AFTER or not accounts.is_shard(s)}
    return sorted({scope, *lost})


# A command that lost a race retries holding a lock per stream it lost on (and its scope):
# retriers of one hot wallet or one popular referrer queue instead of racing each other until
# some run out of attempts. Taken in sorted order, so two retriers never deadlock. The first
# attempt stays lock-free and a single statement.
_TURN = "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))"


@contextlib.asynccontextmanager
async def _turn(conn: Conn, contended: list[str]) -> AsyncIterator[None]:
    if not contended:
        yield
        return
    async with conn.transaction():
        for name in contended:
            await conn.execute(_TURN, name)
        yield


async def _once(
    conn: Conn,
    scope: str,
    key: str | None,
    digest: str,
    attempt: Attempt[R],
    result_type: type[R],
    login: credentials.Credential | None,
    prefetch: str | None,
) -> tuple[R, bool]:
    """One read-decide-append; the result and whether it was written now (not replayed)."""
    heads: dict[str, StoredEvent | None] = {}
    if key is not None and prefetch is not None:
        # The key's record and the stream's head in one round trip: a keyed purchase is then
        # two statements (this read and the append), like one without a key.
        found, heads[prefetch] = await eventstore.find_idempotent_and_head(
            conn, scope, key, prefetch
        )
    elif key is not None:
        found = await eventstore.find_idempotent(conn, scope, key)
    else:
        found = None
    if found is not None:
        return _replay(found, digest, result_type), False
    token = _PREFETCHED.set(heads)
    try:
        decision, result = await attempt(conn)
    finally:
        _PREFETCHED.reset(token)
    record = (
        None
        if key is None
        else IdempotencyRecord(
            scope=scope,
            key=key,
            fingerprint=digest,
            response=msgspec.json.encode(result).decode(),
        )
    )
    await _commit(conn, decision, record, command_metadata(result, key), login)
    return result, True


async def _commit(
    conn: Conn,
    decision: Decision,
    record: IdempotencyRecord | None,
    metadata: dict[str, Any],
    login: credentials.Credential | None,
) -> None:
    if login is None:
        await eventstore.append(conn, decision.appends, metadata=metadata, idempotency=record)
        return
    async with conn.transaction():
        await eventstore.append(conn, decision.appends, metadata=metadata, idempotency=record)
        await credentials.insert(conn, login)


def _replay(found: IdempotencyRecord, digest: str, result_type: type[R]) -> R:
    if found.fingerprint != digest:
        raise IdempotencyKeyReused(
            "this idempotency key was already used for another request", idempotencyKey=found.key
        )
    return msgspec.json.decode(found.response, type=result_type)


def command_metadata(result: msgspec.Struct, key: str | None) -> dict[str, Any]:
    """What a command's events carry beside their payload: its transfer id and its key."""
    meta: dict[str, Any] = {"transfer_id": getattr(result, "transfer_id", None)}
    if key is not None:
        meta["idempotency_key"] = key
    return meta


# Heads `_once` already read in this attempt (with the idempotency key), for `_latest`.
_PREFETCHED: contextvars.ContextVar[dict[str, StoredEvent | None] | None] = contextvars.ContextVar(
    "prefetched_heads", default=None
)


async def _latest(conn: Conn, stream: str) -> StoredEvent | None:
    """The stream's newest event: as prefetched in this attempt, or read now."""
    heads = _PREFETCHED.get()
    if heads is not None and stream in heads:
        return heads[stream]
    return await eventstore.latest(conn, stream)


def _stream(cmd: TopUp | Purchase | Reverse) -> str:
    return accounts.player_account(cmd.player_id)


def _transfer_result(decision: Decision, transfer_id: str, player_id: str) -> TransferResult:
    mine = next(a for a in decision.appends if a.stream == accounts.player_account(player_id))
    last = mine.events[-1]
    assert isinstance(last, Transferred)
    return TransferResult(
        transfer_id=transfer_id,
        player_id=player_id,
        version=mine.expected + len(mine.events),
        balances=dict(last.state_after),
    )
