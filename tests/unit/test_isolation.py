"""Group commit over the in-memory store: a statement the database refuses fails only the job
that caused it (DESIGN-NOTES note 12), whatever the error, in O(log n) statements."""

import asyncio
import math

import asyncpg
import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import EconomyRules, Purchase, SignUp, TopUp
from domain.errors import InvalidInput, InvalidText, StreamVersionConflict
from domain.ports import Write
from domain.state import player_state
from service.batch import BatchAborted
from service.job import Job, Sender
from service.ledger import LedgerService
from service.results import TransferResult
from tests.fakes import FakeEventStore, fake_ledger

RULES = EconomyRules(genesis_supply=1_000_000, shard_count=4)
POISON = {"note": "poison"}


def poisoned(write: Write) -> bool:
    """Whether a write carries the poisoned metadata (the fake refuses its statement)."""
    return any(getattr(e, "metadata", {}) == POISON for a in write.appends for e in a.events)


async def economy(players: int) -> tuple[LedgerService, FakeEventStore, list[str]]:
    ledger, store = fake_ledger(RULES)
    assert await ledger.seed_genesis()
    ids = []
    for n in range(players):
        player = await ledger.handle(
            SignUp(username=f"player{n}"), caller=Sender(password_hash="hash")
        )
        await ledger.handle(TopUp(player_id=player.player_id, amount=100))
        ids.append(player.player_id)
    return ledger, store, ids


def buys(ledger: LedgerService, players: list[str], bad: int) -> list[Job[TransferResult]]:
    """One keyed purchase per player; the one at `bad` carries the poisoned metadata."""
    return [
        ledger.job(
            Purchase(player_id=p, item="gold_coin", metadata=POISON if n == bad else {}),
            f"buy-{n}",
        )
        for n, p in enumerate(players)
    ]


def balance(store: FakeEventStore, player: str) -> tuple[int, int]:
    """The player's diamonds and stream version."""
    state = player_state(player, store.head(accounts.player_account(player)))
    return state.balances[CURRENCY], state.version


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (asyncpg.UntranslatableCharacterError("unsupported Unicode escape sequence"), InvalidText),
        (asyncpg.NumericValueOutOfRangeError("bigint out of range"), InvalidInput),
        (RuntimeError("a failure nobody has thought of yet"), RuntimeError),
    ],
)
async def test_one_refused_job_among_64_fails_alone_in_log_n_statements(
    error: Exception, answer: type[Exception]
) -> None:
    ledger, store, players = await economy(64)
    store.refuse = lambda write: error if poisoned(write) else None
    before = store.statements
    outcomes = await ledger.pipeline.write(buys(ledger, players, bad=17))
    assert isinstance(outcomes[17].error, answer)
    honest = [o for n, o in enumerate(outcomes) if n != 17]
    assert all(o.error is None and not o.replayed for o in honest)
    assert store.statements - before <= 2 * math.log2(64) + 1
    for n, player in enumerate(players):
        key = (player, player, f"buy-{n}")
        assert (key in store.keys) == (n != 17)
        # Written exactly once: signup, top-up, then one purchase (the poisoned one: none).
        assert balance(store, player) == ((100, 2) if n == 17 else (90, 3))
    assert sum(t.code == "purchase" for t in store.transfers()) == 63


async def test_a_group_nothing_fails_in_is_one_statement() -> None:
    ledger, store, players = await economy(16)
    store.refuse = lambda write: RuntimeError("never") if poisoned(write) else None
    before = store.statements
    outcomes = await ledger.pipeline.write(buys(ledger, players, bad=-1))
    assert all(o.error is None for o in outcomes)
    assert store.statements - before == 1


async def test_group_commit_answers_the_poisoned_request_alone() -> None:
    ledger, store, players = await economy(16)
    store.refuse = lambda write: (
        asyncpg.UntranslatableCharacterError("unsupported") if poisoned(write) else None
    )
    ledger.start_group_commit(runners=1)
    try:
        answers = await asyncio.gather(
            *(
                ledger.handle(
                    Purchase(player_id=p, item="gold_coin", metadata=POISON if n == 3 else {})
                )
                for n, p in enumerate(players)
            ),
            return_exceptions=True,
        )
    finally:
        await ledger.close()
    assert isinstance(answers[3], InvalidText)
    assert all(isinstance(a, TransferResult) for n, a in enumerate(answers) if n != 3)


async def test_the_database_away_fails_the_whole_group_at_once() -> None:
    ledger, store, players = await economy(8)
    store.refuse = lambda write: asyncpg.InterfaceError("connection is closed")
    before = store.statements
    with pytest.raises(asyncpg.InterfaceError):
        await ledger.pipeline.write(buys(ledger, players, bad=-1))
    assert store.statements - before == 1


async def test_an_atomic_group_names_the_job_it_fails_on_and_writes_nothing() -> None:
    ledger, store, players = await economy(8)
    store.refuse = lambda write: (
        asyncpg.UntranslatableCharacterError("unsupported") if poisoned(write) else None
    )
    written = len(store.log)
    outcomes = await ledger.pipeline.write(buys(ledger, players, bad=5), atomic=True)
    assert isinstance(outcomes[5].error, InvalidText)
    assert all(isinstance(o.error, BatchAborted) for n, o in enumerate(outcomes) if n != 5)
    assert len(store.log) == written
    assert not any(key[2].startswith("buy-") for key in store.keys)


async def test_a_lost_race_and_a_refused_job_in_one_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger, store, players = await economy(4)
    store.refuse = lambda write: RuntimeError("boom") if poisoned(write) else None
    real_write = store.write
    lost: list[bool] = []

    def lose_once_on_the_last(writes: list[Write], *, keep: bool = True) -> None:
        if not lost:
            lost.append(True)
            stream = accounts.player_account(players[3])
            raise StreamVersionConflict("a rival won", streams=[stream])
        real_write(writes, keep=keep)

    monkeypatch.setattr(store, "write", lose_once_on_the_last)
    outcomes = await ledger.pipeline.write(buys(ledger, players, bad=1))
    assert isinstance(outcomes[1].error, RuntimeError)
    assert [balance(store, p) for n, p in enumerate(players) if n != 1] == [(90, 3)] * 3
    assert balance(store, players[1]) == (100, 2)


async def test_a_job_that_committed_is_never_answered_with_a_later_parts_error() -> None:
    ledger, store, players = await economy(8)
    start = store.statements

    def refuse(write: Write) -> Exception | None:
        if store.statements - start >= 7:  # the database goes away as the second half is written
            return asyncpg.InterfaceError("connection is closed")
        return RuntimeError("boom") if poisoned(write) else None

    store.refuse = refuse
    outcomes = await ledger.pipeline.write(buys(ledger, players, bad=1))
    # 8 fail, 0-3 fail, 0-1 fail, 0 commits, 1 fails alone, 2-3 commit, then 4-7 find it away.
    assert [o.result is not None for o in outcomes] == [True, False, True, True] + [False] * 4
    assert isinstance(outcomes[1].error, RuntimeError)
    assert all(isinstance(o.error, asyncpg.InterfaceError) for o in outcomes[4:])
    assert store.statements - start == 7
