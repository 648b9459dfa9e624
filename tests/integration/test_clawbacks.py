"""Clawbacks on a real database: the dry run, the run, resuming it, and overlapping ones."""

import asyncio
import json

import asyncpg
import pytest

from cli.main import build_parser
from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.clawback_errors import InvalidClawbackFilter, NothingToClawBack, UnknownClawback
from domain.clawback_events import ClawbackFilter
from domain.commands import Grant, Purchase, SignUp, StartClawback, TopUp
from domain.debt import debt_state
from domain.state import player_state
from infra import clawback_reads, eventstore
from infra.config import load_settings
from projections.leadership import Leadership
from service.clawback import dry_run, status
from service.clawback_runner import run_clawbacks, work_clawback
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.conftest import Audit

BUG = ClawbackFilter(code="grant", metadata={"campaign": "bug"})


async def player(ledger: LedgerService, name: str) -> str:
    made = await ledger.handle(SignUp(username=name), caller=Sender(password_hash="h"))
    return str(made.player_id)


async def grant(ledger: LedgerService, name: str, amount: int, campaign: str = "bug") -> None:
    cmd = Grant(player=name, amount=amount, reason="quest", metadata={"campaign": campaign})
    await ledger.handle(cmd, caller=Sender("server", "service"))


async def exploit(ledger: LedgerService) -> tuple[str, str]:
    """ann got 3 x 40 from the bug and spent 100 of it on gold coins; bob got 2 x 40 and kept
    them; both also got an honest grant."""
    ann, bob = await player(ledger, "ann"), await player(ledger, "bob")
    for _ in range(3):
        await grant(ledger, "ann", 40)
    for _ in range(2):
        await grant(ledger, "bob", 40)
    await grant(ledger, "ann", 5, campaign="honest")
    await grant(ledger, "bob", 5, campaign="honest")
    await ledger.handle(Purchase(player_id=ann, item="gold_coin", quantity=10))  # 100 spent
    return ann, bob


async def start(ledger: LedgerService, f: ClawbackFilter = BUG, key: str = "k1") -> str:
    cmd = StartClawback(filter=f, reason="exploit", actor="op")
    started = await ledger.handle(cmd, key, Sender("op", "admin"))
    return str(started.clawback_id)


async def wallet(pool: asyncpg.Pool, player_id: str) -> dict[str, int]:
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, accounts.player_account(player_id))
    return player_state(player_id, head).balances


async def debt(pool: asyncpg.Pool, player_id: str) -> dict[str, int]:
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, accounts.debt_stream(player_id))
    return debt_state(player_id, head).debts


async def reversals(pool: asyncpg.Pool) -> list[str]:
    """The transfer each reversal in the log undoes (one entry per reversal)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload->'details'->>'reverses' AS r FROM events"
            " WHERE event_type = 'transferred' AND payload->>'code' = 'reversal'"
        )
    return [r["r"] for r in rows]


async def bug_grants(pool: asyncpg.Pool) -> set[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload->>'transfer_id' AS t FROM events WHERE event_type = 'transferred'"
            " AND payload->>'code' = 'grant' AND payload->'metadata'->>'campaign' = 'bug'"
        )
    return {r["t"] for r in rows}


async def test_the_dry_run_writes_nothing_and_matches_the_run(
    ledger: LedgerService, pool: asyncpg.Pool, audit: Audit
) -> None:
    ann, bob = await exploit(ledger)
    async with pool.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM events")
    seen = await dry_run(ledger, BUG)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events") == before
    # ann: 125 granted, 100 spent -> 25 held; 120 to take back: 25 taken, 95 owed.
    assert (seen.transfers, seen.players) == (5, 2)
    effects = {(e.player, e.asset): (e.reverse, e.debt) for e in seen.effects}
    assert effects == {("ann", "diamond"): (120, 95), ("bob", "diamond"): (80, 0)}

    clawback = await start(ledger)
    assert (await status(pool, clawback)).status == "running"
    assert await work_clawback(pool, ledger, accounts.clawback_stream(clawback)) == 5
    done = await status(pool, clawback)
    assert (done.status, done.done, done.total, done.debt_created) == (
        "done",
        5,
        5,
        {"diamond": 95},
    )
    assert await wallet(pool, ann) == {"diamond": 0, "gold_coin": 10}
    assert await wallet(pool, bob) == {"diamond": 5}
    assert await debt(pool, ann) == {"diamond": 95}
    assert await debt(pool, bob) == {}
    assert sorted(await reversals(pool)) == sorted(await bug_grants(pool))
    await audit()
    # what the player owes is repaid by the next credit, through the existing mechanism
    await ledger.handle(TopUp(player_id=ann, amount=100))
    assert await debt(pool, ann) == {}
    assert (await wallet(pool, ann))["diamond"] == 5


async def test_a_runner_stopped_between_reversals_resumes_without_reversing_twice(
    ledger: LedgerService, pool: asyncpg.Pool, audit: Audit
) -> None:
    await exploit(ledger)
    clawback = await start(ledger)
    stream = accounts.clawback_stream(clawback)
    stepped = asyncio.Event()
    ledger.on_commit = stepped.set
    runner = asyncio.create_task(work_clawback(pool, ledger, stream))
    await stepped.wait()  # at least one step committed: kill the runner mid-list
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await runner
    halfway = await status(pool, clawback)
    assert halfway.status == "running"
    assert 1 <= halfway.done < 5
    # a restarted runner reads its place from the stream's head
    assert await work_clawback(pool, ledger, stream) == 5 - halfway.done
    assert await work_clawback(pool, ledger, stream) == 0
    done = await status(pool, clawback)
    assert (done.status, done.done, done.skipped, done.debt_created) == (
        "done",
        5,
        0,
        {"diamond": 95},
    )
    assert sorted(await reversals(pool)) == sorted(await bug_grants(pool))
    await audit()


async def test_overlapping_clawbacks_reverse_each_transfer_once(
    ledger: LedgerService, pool: asyncpg.Pool, audit: Audit
) -> None:
    await exploit(ledger)
    first = await start(ledger, BUG, "k1")
    # every grant of ann's, bug or honest: three overlap the first clawback
    second = await start(ledger, ClawbackFilter(code="grant", players=("ann",)), "k2")
    streams = [accounts.clawback_stream(c) for c in (first, second)]
    await asyncio.gather(*(work_clawback(pool, ledger, s) for s in streams))
    one, two = await status(pool, first), await status(pool, second)
    assert (one.total, two.total) == (5, 4)
    assert one.skipped + two.skipped == 3  # the overlap: reversed by whichever came first
    reversed_ = await reversals(pool)
    assert len(reversed_) == len(set(reversed_)) == 6
    await audit()


async def test_a_retried_key_records_one_clawback(
    ledger: LedgerService, pool: asyncpg.Pool
) -> None:
    await exploit(ledger)
    assert await start(ledger, key="same") == await start(ledger, key="same")
    async with pool.acquire() as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM events WHERE event_type = $1", "clawback_started"
        )
    assert count == 1


async def test_refusals(ledger: LedgerService, pool: asyncpg.Pool) -> None:
    await exploit(ledger)
    with pytest.raises(InvalidClawbackFilter):
        await start(ledger, ClawbackFilter(), "a")  # names nothing: the whole economy
    with pytest.raises(InvalidClawbackFilter):
        await start(ledger, ClawbackFilter(code="gift"), "b")
    with pytest.raises(InvalidClawbackFilter):
        await start(ledger, ClawbackFilter(asset="nope"), "c")
    with pytest.raises(UnknownPlayer):
        await start(ledger, ClawbackFilter(players=("nobody",)), "d")
    with pytest.raises(NothingToClawBack):
        await start(ledger, ClawbackFilter(metadata={"campaign": "none"}), "e")
    with pytest.raises(UnknownClawback):
        await status(pool, "no-such-clawback")


async def cli(dsn: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `gameledger ARGV` on `dsn`: its exit status, stdout and stderr."""
    args = build_parser().parse_args(argv)
    args.settings = load_settings({})
    capsys.readouterr()
    code = await args.func(args, dsn)
    out, err = capsys.readouterr()
    return code, out, err


async def test_the_command_line_dry_runs_then_claws_back(
    ledger: LedgerService, db_dsn: str, pool: asyncpg.Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    ann, _ = await exploit(ledger)
    flags = ("--filter", "code=grant", "--filter", "meta.campaign=bug", "--reason", "exploit")
    code, out, _ = await cli(db_dsn, capsys, "clawback", *flags, "--dry-run")
    assert code == 0
    assert json.loads(out) == {
        "transfers": 5,
        "players": 2,
        "effects": [
            {"player": "ann", "asset": "diamond", "reverse": 120, "debt": 95},
            {"player": "bob", "asset": "diamond", "reverse": 80, "debt": 0},
        ],
    }
    code, out, _ = await cli(db_dsn, capsys, "clawback", *flags)
    summary = json.loads(out)
    assert code == 0
    assert {k: summary[k] for k in ("status", "done", "total", "debtCreated")} == {
        "status": "done",
        "done": 5,
        "total": 5,
        "debtCreated": {"diamond": 95},
    }
    assert await debt(pool, ann) == {"diamond": 95}


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--filter", "colour=red"), "--filter colour: unknown"),
        (("--filter", "code"), "expected KEY=VALUE"),
        (("--filter", "from=yesterday"), "an RFC 3339 time"),
        (("--filter", "code=gift"), "a clawback reverses only"),
        (("--filter", "player=nobody"), "there is no player named 'nobody'"),
    ],
)
async def test_the_command_line_refuses_in_one_line(
    ledger: LedgerService,
    db_dsn: str,
    capsys: pytest.CaptureFixture[str],
    flags: tuple[str, ...],
    said: str,
) -> None:
    code, out, err = await cli(db_dsn, capsys, "clawback", *flags, "--reason", "r")
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1
    assert said in err


async def test_the_runner_under_leadership_finishes_open_clawbacks(
    ledger: LedgerService, pool: asyncpg.Pool
) -> None:
    await exploit(ledger)
    first = await start(ledger, BUG, "k1")
    second = await start(ledger, ClawbackFilter(code="grant", players=("bob",)), "k2")
    stop = asyncio.Event()
    leader = Leadership(pool, [])
    runner = asyncio.create_task(run_clawbacks(pool, ledger, stop, leader=leader, interval=0.05))
    try:
        for _ in range(200):
            seen = [await status(pool, c) for c in (first, second)]
            if all(s.status != "running" for s in seen):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await runner
        await leader.close()
    assert [(s.status, s.done, s.total) for s in seen] == [("done", 5, 5), ("done", 3, 3)]
    async with pool.acquire() as conn:
        assert await clawback_reads.open_clawbacks(conn) == []
    reversed_ = await reversals(pool)
    assert len(reversed_) == len(set(reversed_)) == 6


async def test_a_window_and_an_asset_narrow_the_match(
    ledger: LedgerService, pool: asyncpg.Pool
) -> None:
    await exploit(ledger)
    async with pool.acquire() as conn:
        times = [
            r["at"]
            for r in await conn.fetch(
                "SELECT (payload->>'occurred_at')::timestamptz AS at FROM events"
                " WHERE payload->>'code' = 'grant' ORDER BY global_position"
            )
        ]
    # the third and fourth grants (ann's last bug grant, bob's first): `to` is exclusive
    window = ClawbackFilter(code="grant", asset="diamond", from_=times[2], to=times[4])
    seen = await dry_run(ledger, window)
    assert (seen.transfers, seen.players) == (2, 2)
    assert (await dry_run(ledger, ClawbackFilter(asset="gold_coin"))).transfers == 1  # the purchase
