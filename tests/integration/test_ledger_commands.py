"""The write side's commands on a real database: sweeps, referrals and reversals."""

import asyncio
from decimal import Decimal

import asyncpg
import pytest

from domain import accounts
from domain.account_errors import UnknownPlayer, UnknownReferralCode, UsernameTaken
from domain.assets import CURRENCY
from domain.commands import EconomyRules, Purchase, Reverse, SignUp, Sweep, TopUp
from domain.state import shard_state
from domain.transfer_errors import (
    AlreadyReversed,
    InsufficientFunds,
    NotReversible,
    TreasuryDepleted,
    UnknownTransfer,
)
from infra import eventstore
from service.job import Sender
from service.ledger import LedgerService
from tests.integration.conftest import Audit, LedgerFactory, WalletFactory
from tests.ledgers import ledger_over

# What the treasury projector would fold: every credit the inflow account has received.
_INFLOW_CREDITED = """
SELECT coalesce(sum((leg->>2)::bigint), 0)::bigint
  FROM events, jsonb_array_elements(payload->'legs') leg
 WHERE event_type = 'transferred' AND leg->>0 = 'treasury:inflow' AND (leg->>2)::bigint > 0
   AND NOT coalesce((payload->>'mirror')::boolean, false)
"""


async def inflow_credited(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        credited: int = await conn.fetchval(_INFLOW_CREDITED)
    return credited


async def budgets(pool: asyncpg.Pool, count: int) -> list[int]:
    async with pool.acquire() as conn:
        heads = await eventstore.latest_many(
            conn, [accounts.shard_account(i) for i in range(count)]
        )
    return [shard_state(i, heads.get(accounts.shard_account(i))).budget for i in range(count)]


async def event_count(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
    return count


def reverse(player: str, transfer_id: str) -> Reverse:
    return Reverse(player_id=player, transfer_id=transfer_id, reason="support ticket", actor="op")


# --- genesis --------------------------------------------------------------------------------


async def test_genesis_is_minted_once_however_many_processes_seed_at_once(
    pool: asyncpg.Pool, audit: Audit
) -> None:
    rules = EconomyRules(genesis_supply=1_000, shard_count=4)
    services = [ledger_over(pool, rules) for _ in range(6)]  # six processes
    seeded = await asyncio.gather(*(s.seed_genesis() for s in services))
    assert sorted(seeded) == [False] * 5 + [True]
    assert await services[0].seed_genesis() is False
    assert sum(await budgets(pool, 4)) == 1_000
    await audit()  # exactly 1,000 issued


# --- sweeps -----------------------------------------------------------------------------------


async def test_a_sweep_moves_exactly_the_inflow_not_yet_swept(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 500)
    for item in ("treasure_box", "gold_coin", "gold_coin"):
        await ledger.handle(Purchase(player_id=player, item=item))
    before = await budgets(pool, 4)
    assert (await ledger.handle(Sweep(inflow_credited=await inflow_credited(pool)))).moved == 70
    after = await budgets(pool, 4)
    assert sum(after) - sum(before) == 70
    assert after[before.index(min(before))] == min(before) + 70  # the lowest shard was refilled
    assert (await audit()).get((accounts.INFLOW, CURRENCY)) == 0


async def test_a_second_sweep_with_the_same_figure_moves_nothing(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 500)
    await ledger.handle(Purchase(player_id=player, item="treasure_box"))
    credited = await inflow_credited(pool)
    assert (await ledger.handle(Sweep(inflow_credited=credited))).moved == 50
    written = await event_count(pool)
    assert (await ledger.handle(Sweep(inflow_credited=credited))).moved == 0
    assert (
        await ledger.handle(Sweep(inflow_credited=credited - 10))
    ).moved == 0  # a lagging figure never moves a negative
    assert await event_count(pool) == written
    await ledger.handle(Purchase(player_id=player, item="gold_coin", quantity=3))
    assert (
        await ledger.handle(Sweep(inflow_credited=await inflow_credited(pool)))
    ).moved == 30  # only the new inflow
    await audit()


async def test_a_sweep_from_a_lagging_projection_never_overdraws_inflow(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 100)
    await ledger.handle(Purchase(player_id=player, item="treasure_box"))
    lagging = await inflow_credited(pool)
    await ledger.handle(Purchase(player_id=player, item="treasure_box"))
    assert (await ledger.handle(Sweep(inflow_credited=lagging))).moved == 50
    assert (await audit())[accounts.INFLOW, CURRENCY] == 50
    assert (await ledger.handle(Sweep(inflow_credited=await inflow_credited(pool)))).moved == 50
    assert (await audit())[accounts.INFLOW, CURRENCY] == 0


async def test_a_sweep_given_a_sql_numeric_figure_leaves_every_shard_readable(
    pool: asyncpg.Pool, ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 100)
    await ledger.handle(Purchase(player_id=player, item="treasure_box"))
    figure = Decimal(await inflow_credited(pool))
    with pytest.raises(ValueError, match="unreadable"):
        await ledger.handle(Sweep(inflow_credited=figure))  # type: ignore[arg-type]
    assert sum(await budgets(pool, 4)) == ledger.rules.genesis_supply - 100
    assert (await ledger.handle(Sweep(inflow_credited=await inflow_credited(pool)))).moved == 50
    for _ in range(4):  # every shard still takes top-ups
        await ledger.handle(TopUp(player_id=player, amount=1))
    await audit()


# --- referral ---------------------------------------------------------------------------------


async def test_signup_with_an_unknown_referral_code_fails_and_writes_nothing(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    written = await event_count(pool)
    with pytest.raises(UnknownReferralCode):
        await ledger.handle(
            SignUp(username="mallory", referral_code="NOSUCHCODE"),
            caller=Sender(password_hash="hash"),
        )
    assert await event_count(pool) == written
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM credentials") == 0
    # The name was not taken by the failed attempt.
    assert (
        await ledger.handle(SignUp(username="mallory"), caller=Sender(password_hash="hash"))
    ).username == "mallory"


async def test_a_valid_referral_code_pays_both_players_the_bonus_exactly_once(
    pool: asyncpg.Pool, ledger: LedgerService, audit: Audit
) -> None:
    host = await ledger.handle(SignUp(username="host"), caller=Sender(password_hash="hash"))
    guest = await ledger.handle(
        SignUp(username="guest", referral_code=host.referral_code), caller=Sender(password_hash="h")
    )
    assert guest.balances == {CURRENCY: 50}
    with pytest.raises(UsernameTaken):
        await ledger.handle(
            SignUp(username="GUEST", referral_code=host.referral_code),
            caller=Sender(password_hash="h"),
        )
    balances = await audit()
    assert balances[accounts.player_account(host.player_id), CURRENCY] == 50
    assert balances[accounts.player_account(guest.player_id), CURRENCY] == 50
    assert sum(await budgets(pool, 4)) == ledger.rules.genesis_supply - 100


async def test_referral_bonuses_come_from_any_shard_that_can_pay_then_stop(
    economy: LedgerFactory, audit: Audit
) -> None:
    # Four shards of 100: each can fund one signup's two bonuses, whichever is picked first.
    ledger = await economy(EconomyRules(genesis_supply=400, shard_count=4, referral_bonus=50))
    code = (
        await ledger.handle(SignUp(username="host"), caller=Sender(password_hash="hash"))
    ).referral_code
    for n in range(4):
        guest = await ledger.handle(
            SignUp(username=f"guest{n}", referral_code=code), caller=Sender(password_hash="h")
        )
        assert guest.balances == {CURRENCY: 50}
    with pytest.raises(TreasuryDepleted):
        await ledger.handle(
            SignUp(username="late", referral_code=code), caller=Sender(password_hash="hash")
        )
    await audit()


# --- reversal ---------------------------------------------------------------------------------


async def test_reversing_a_purchase_returns_the_money_and_takes_the_item_back(
    ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 80)
    bought = await ledger.handle(Purchase(player_id=player, item="treasure_box"))
    undone = await ledger.handle(reverse(player, bought.transfer_id))
    assert undone.balances == {CURRENCY: 80, "treasure_box": 0}
    balances = await audit()
    assert balances[accounts.issuer_account("treasure_box"), "treasure_box"] == 0
    with pytest.raises(AlreadyReversed):
        await ledger.handle(reverse(player, bought.transfer_id))


async def test_concurrent_reversals_of_one_transfer_undo_it_once(
    ledger: LedgerService, wallet: WalletFactory, audit: Audit
) -> None:
    player = await wallet(ledger, 50)
    bought = await ledger.handle(Purchase(player_id=player, item="gold_coin", quantity=5))
    outcomes = await asyncio.gather(
        *(ledger.handle(reverse(player, bought.transfer_id)) for _ in range(8)),
        return_exceptions=True,
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 7
    assert all(isinstance(e, AlreadyReversed) for e in errors)
    assert (await audit())[accounts.player_account(player), CURRENCY] == 50


async def test_reversing_a_top_up_already_spent_is_insufficient_funds(
    ledger: LedgerService, wallet: WalletFactory
) -> None:
    player = await wallet(ledger, 0)
    topped = await ledger.handle(TopUp(player_id=player, amount=60))
    await ledger.handle(Purchase(player_id=player, item="treasure_box"))
    with pytest.raises(InsufficientFunds):
        await ledger.handle(reverse(player, topped.transfer_id))


async def test_a_reversal_cannot_itself_be_reversed(
    ledger: LedgerService, wallet: WalletFactory
) -> None:
    player = await wallet(ledger, 0)
    topped = await ledger.handle(TopUp(player_id=player, amount=60))
    undone = await ledger.handle(reverse(player, topped.transfer_id))
    assert undone.balances == {CURRENCY: 0}
    with pytest.raises(NotReversible):
        await ledger.handle(reverse(player, undone.transfer_id))


async def test_reversing_another_players_transfer_is_unknown_transfer(
    ledger: LedgerService, wallet: WalletFactory
) -> None:
    alice, bob = await wallet(ledger, 10), await wallet(ledger, 0)
    bought = await ledger.handle(Purchase(player_id=alice, item="gold_coin"))
    with pytest.raises(UnknownTransfer):
        await ledger.handle(reverse(bob, bought.transfer_id))


async def test_commands_for_a_player_who_does_not_exist_are_unknown_player(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    written = await event_count(pool)
    with pytest.raises(UnknownPlayer):
        await ledger.handle(TopUp(player_id="ghost", amount=10))
    with pytest.raises(UnknownPlayer):
        await ledger.handle(Purchase(player_id="ghost", item="gold_coin"))
    assert await event_count(pool) == written


async def test_a_ledger_configured_with_more_shards_than_genesis_funded_uses_genesiss(
    pool: asyncpg.Pool, economy: LedgerFactory
) -> None:
    # TREASURY_SHARDS only shapes genesis: a database seeded with 4 shards keeps 4, or top-ups
    # would start on unfunded shards and read their way to a funded one.
    await economy(EconomyRules(shard_count=4))
    later = ledger_over(pool, EconomyRules(shard_count=64))
    assert await later.align_with_genesis() == 4
    assert later.rules.shard_count == 4
    player = await later.handle(SignUp(username="aligned"), caller=Sender(password_hash="hash"))
    for _ in range(8):
        await later.handle(TopUp(player_id=player.player_id, amount=1))
    shards = await pool.fetch(
        "SELECT DISTINCT stream_id FROM events WHERE stream_id LIKE 'treasury:shard:%'"
    )
    assert {r["stream_id"] for r in shards} == {accounts.shard_account(i) for i in range(4)}
