"""The PostgreSQL event store: expected versions, immutability, the hash chain, long streams."""

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY, DEFAULT_CATALOG
from domain.commands import EconomyRules, Purchase
from domain.errors import StreamVersionConflict
from domain.event_base import Event
from domain.events import Claimed, Transferred
from domain.ledger import Append, PlayerState
from domain.players import decide_purchase
from domain.state import player_state
from infra import eventstore
from infra.db import Conn
from service.ledger import LedgerService
from tests.fakes import NOW
from tests.integration.conftest import WalletFactory
from tests.ledgers import ledger_over


def claim(owner: str) -> Claimed:
    return Claimed(owner=owner, occurred_at=NOW)


def at(stream: str, expected: int, *events: Event) -> tuple[Append, ...]:
    return (Append(stream=stream, expected=expected, events=events),)


async def owners(conn: Conn, stream: str) -> list[str]:
    return [cast(Claimed, s.event).owner for s in await eventstore.read_stream(conn, stream)]


@pytest.fixture
async def conns(db_dsn: str) -> AsyncIterator[list[asyncpg.Connection]]:
    """Three separate connections to the test's database."""
    opened = [await asyncpg.connect(db_dsn) for _ in range(3)]
    yield opened
    for conn in opened:
        await conn.close()


async def test_appended_events_read_back_in_order(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await eventstore.append(conn, at("s", 0, claim("a"), claim("b")))
        await eventstore.append(conn, at("s", 2, claim("c")))
        assert await owners(conn, "s") == ["a", "b", "c"]
        latest = await eventstore.latest(conn, "s")
        assert latest is not None
        assert (latest.version, latest.event) == (3, claim("c"))
        second = await eventstore.read_at(conn, "s", 2)
        assert second is not None
        assert second.event == claim("b")
        assert set(await eventstore.latest_many(conn, ["s", "missing"])) == {"s"}


async def test_two_writers_at_the_same_version_exactly_one_wins(
    conns: list[asyncpg.Connection],
) -> None:
    first, second, observer = conns
    await eventstore.append(first, at("s", 0, claim("seed")))
    async with first.transaction():
        await eventstore.append(first, at("s", 1, claim("first")))
        racing = asyncio.ensure_future(eventstore.append(second, at("s", 1, claim("second"))))
        await _until_waiting_on_a_lock(observer, second.get_server_pid())
    with pytest.raises(StreamVersionConflict):
        await racing
    assert await owners(observer, "s") == ["seed", "first"]


async def test_many_writers_at_the_same_version_exactly_one_wins(pool: asyncpg.Pool) -> None:
    async def write(owner: str) -> str:
        async with pool.acquire() as conn:
            await eventstore.append(conn, at("s", 0, claim(owner)))
        return owner

    results = await asyncio.gather(*(write(f"w{i}") for i in range(16)), return_exceptions=True)
    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1
    assert all(isinstance(r, StreamVersionConflict) for r in results if not isinstance(r, str))
    async with pool.acquire() as conn:
        assert await owners(conn, "s") == winners


async def test_a_writer_that_skips_a_version_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await eventstore.append(conn, at("s", 0, claim("a")))
        with pytest.raises(StreamVersionConflict):
            await eventstore.append(conn, at("s", 2, claim("gap")))
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(
                "INSERT INTO events (stream_id, version, event_type, payload)"
                " VALUES ('s', 5, 'claimed', '{}')"
            )
        assert await owners(conn, "s") == ["a"]


async def test_an_append_to_several_streams_is_all_or_nothing(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await eventstore.append(conn, at("b", 0, claim("b1")))
        stale = at("a", 0, claim("a1")) + at("b", 0, claim("b2"))
        with pytest.raises(StreamVersionConflict):
            await eventstore.append(conn, stale)
        assert await owners(conn, "a") == []
        assert await owners(conn, "b") == ["b1"]


async def test_a_conflict_in_a_batch_names_the_stream_it_lost_on(pool: asyncpg.Pool) -> None:
    """The pipeline retries only the commands of a group that wrote to the stream named."""
    async with pool.acquire() as conn:
        await eventstore.append(conn, at("player:b, with a comma", 0, claim("b1")))
        await eventstore.append(conn, at("c", 0, claim("c1")))
        for stale, lost in (
            (
                at("a", 0, claim("a1")) + at("player:b, with a comma", 0, claim("b2")),
                "player:b, with a comma",
            ),
            (at("a", 0, claim("a1")) + at("c", 2, claim("gap")), "c"),
        ):
            with pytest.raises(StreamVersionConflict) as refused:
                await eventstore.append_batch(conn, stale, [], metadata=[{}, {}])
            assert refused.value.context["streams"] == [lost]
        assert await owners(conn, "a") == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET payload = '{}'",
        'UPDATE events SET metadata = \'{"actor": "me"}\' WHERE version = 1',
        "DELETE FROM events",
        "DELETE FROM events WHERE stream_id = 's'",
        "TRUNCATE events",
    ],
)
async def test_stored_events_cannot_be_changed_or_removed(
    pool: asyncpg.Pool, statement: str
) -> None:
    async with pool.acquire() as conn:
        await eventstore.append(conn, at("s", 0, claim("a")))
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="immutable"):
            await conn.execute(statement)
        assert await owners(conn, "s") == ["a"]


async def test_each_event_hash_chains_to_the_previous_one_in_its_stream(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await eventstore.append(conn, at("s", 0, claim("a"), claim("b")))
        await eventstore.append(conn, at("t", 0, claim("x")) + at("s", 2, claim("c")))
        rows = await conn.fetch(
            "SELECT stream_id, version, event_type, schema_version, payload::text AS payload, hash"
            " FROM events ORDER BY stream_id, version"
        )
    previous: dict[str, bytes] = {}
    for row in rows:
        content = "|".join(
            str(row[c]) for c in ("stream_id", "version", "event_type", "schema_version", "payload")
        )
        expected = hashlib.sha256(previous.get(row["stream_id"], b"") + content.encode()).digest()
        assert bytes(row["hash"]) == expected
        previous[row["stream_id"]] = expected
    assert [r["version"] for r in rows if r["stream_id"] == "s"] == [1, 2, 3]


async def test_a_long_wallet_loads_its_state_from_one_row(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory
) -> None:
    fresh, veteran = await wallet(ledger, 100), await wallet(ledger, 50_000)
    await _buy_gold_coins_fast(pool, veteran, 4_994)
    async with pool.acquire() as conn:
        stream = await eventstore.read_stream(conn, accounts.player_account(veteran))
        state = player_state(
            veteran, await eventstore.latest(conn, accounts.player_account(veteran))
        )
    assert len(stream) == 5_000  # registered, five top-ups, 4,994 purchases
    assert state.balances == _replayed(veteran, [s.event for s in stream])
    assert state.balances == {CURRENCY: 60, "gold_coin": 4_994}

    counting = _CountingPool(pool)
    service = ledger_over(cast(asyncpg.Pool, counting), ledger.rules)
    short = await _reads_of_a_purchase(service, counting, fresh)
    long = await _reads_of_a_purchase(service, counting, veteran)
    assert long == short  # the same statements and rows read, whatever the stream's length


async def test_a_keyed_purchase_reads_its_key_and_wallet_in_one_round_trip(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory
) -> None:
    player = await wallet(ledger, 100)
    counting = _CountingPool(pool)
    service = ledger_over(cast(asyncpg.Pool, counting), ledger.rules)
    buy = Purchase(player_id=player, item="gold_coin")
    first = await service.handle(buy, key="k-1")
    # The key and the head together, then the append, then the log's position after the
    # commit (the answer's Ledger-Position: infra/replica.py).
    assert counting.queries == 3
    counting.queries = 0
    again = await service.handle(buy, key="k-1")
    # A retry is answered from the key alone (and the position, at or past the first write's).
    assert (counting.queries, again) == (2, first)
    counting.queries = 0
    second = await service.handle(buy, key="k-2")
    assert counting.queries == 3
    assert (second.version, second.balances) == (first.version + 1, {CURRENCY: 80, "gold_coin": 2})


async def test_heads_of_long_streams_are_read_one_row_each(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory
) -> None:
    # Batches and top-ups read many heads at once: the cost must not grow with the streams.
    players = [await wallet(ledger, 10_000) for _ in range(3)]
    for player in players:
        await _buy_gold_coins_fast(pool, player, 300)
    streams = [accounts.player_account(p) for p in players]
    asked = [*streams, "missing"]
    async with pool.acquire() as conn:
        heads = await eventstore.latest_many(conn, asked)
        plan = await conn.fetchval(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {eventstore._LATEST_MANY}", asked
        )
    assert {s: h.version for s, h in heads.items()} == dict.fromkeys(streams, 302)
    # At most one row per stream asked (the plan rounds a loop's average up), not 906.
    assert _event_rows_scanned(json.loads(plan)[0]["Plan"]) <= len(asked)


def _event_rows_scanned(node: dict[str, Any]) -> float:
    """Rows the plan's scans of `events` produced, over all their loops."""
    own = node["Actual Rows"] * node["Actual Loops"] if node.get("Relation Name") == "events" else 0
    return own + sum(_event_rows_scanned(child) for child in node.get("Plans", []))


async def _buy_gold_coins_fast(pool: asyncpg.Pool, player_id: str, count: int) -> None:
    """Purchases decided in memory and appended a thousand at a time (real, chained events)."""
    stream = accounts.player_account(player_id)
    async with pool.acquire() as conn:
        state = player_state(player_id, await eventstore.latest(conn, stream))
        while count:
            start, batch = state, list[Event]()
            for _ in range(min(count, 1_000)):
                decision = decide_purchase(
                    state,
                    Purchase(player_id=player_id, item="gold_coin"),
                    catalog=DEFAULT_CATALOG,
                    transfer_id=f"fast-{count}-{len(batch)}",
                    rules=EconomyRules(),
                    now=NOW,
                )
                (transfer,) = decision.appends[0].events
                assert isinstance(transfer, Transferred)
                batch.append(transfer)
                state = PlayerState(
                    player_id=player_id, version=state.version + 1, balances=transfer.state_after
                )
            await eventstore.append(conn, at(stream, start.version, *batch))
            count -= len(batch)


def _replayed(player_id: str, events: list[Event]) -> dict[str, int]:
    account, balances = accounts.player_account(player_id), dict[str, int]()
    for event in events:
        for leg in event.legs if isinstance(event, Transferred) else ():
            if leg.account == account:
                balances[leg.asset] = balances.get(leg.asset, 0) + leg.amount
    return balances


async def _reads_of_a_purchase(
    service: LedgerService, counting: "_CountingPool", player_id: str
) -> tuple[int, int]:
    counting.queries = counting.rows_read = 0
    await service.handle(Purchase(player_id=player_id, item="gold_coin"))
    return counting.queries, counting.rows_read


class _CountingConn:
    """A connection that counts the statements it runs and the rows it hands back."""

    def __init__(self, conn: Conn, counter: "_CountingPool") -> None:
        self._conn, self._counter = conn, counter

    async def fetch(self, *args: Any, **kwargs: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self._conn.fetch(*args, **kwargs)
        self._counter.queries += 1
        self._counter.rows_read += len(rows)
        return rows

    async def fetchrow(self, *args: Any, **kwargs: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._conn.fetchrow(*args, **kwargs)
        self._counter.queries += 1
        self._counter.rows_read += row is not None
        return row

    async def execute(self, *args: Any, **kwargs: Any) -> str:
        self._counter.queries += 1
        return await self._conn.execute(*args, **kwargs)

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        self._counter.queries += 1
        return await self._conn.fetchval(*args, **kwargs)


class _CountingPool:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool, self.queries, self.rows_read = pool, 0, 0

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[_CountingConn]:
        async with self._pool.acquire() as conn:
            yield _CountingConn(conn, self)


async def _until_waiting_on_a_lock(observer: Conn, pid: int) -> None:
    """Return once backend `pid` is blocked on a lock (so the race is real, not sequential)."""
    query = "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1"
    for _ in range(2_000):
        if await observer.fetchval(query, pid):
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"backend {pid} never waited on a lock")
