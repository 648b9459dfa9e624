"""The audit's economy invariants: each transfer posted by exactly one copy, holds that hold
what their streams say, and a rebuild-equal holds model, after gifts and holds."""

import asyncpg
import msgspec

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import CloseHold, Gift, PlaceHold
from domain.events import Transferred
from domain.ledger import Append
from infra import eventstore
from projections.audit import AuditReport, run_audit, summary
from projections.runner import catch_up
from service.ledger import LedgerService
from tests.integration.test_gift_concurrency import named


def failing(report: AuditReport) -> dict[str, list[str]]:
    return {c.name: c.details for c in report.checks if not c.ok}


async def economy(ledger: LedgerService) -> tuple[str, str]:
    ann, ben = await named(ledger, "ann", 500), await named(ledger, "ben", 0)
    await ledger.gift(Gift(sender_id=ann, to="ben", asset=CURRENCY, amount=50))
    kept = await ledger.place_hold(
        PlaceHold(player="ann", asset=CURRENCY, amount=40, expires_in=60), "server"
    )
    closed = await ledger.place_hold(
        PlaceHold(player="ann", asset=CURRENCY, amount=30, expires_in=60), "server"
    )
    await ledger.close_hold(CloseHold(hold_id=closed.hold_id, outcome="capture", amount=10), "s")
    return ben, kept.hold_id


async def audit(pool: asyncpg.Pool) -> AuditReport:
    await catch_up(pool)
    async with pool.acquire() as conn:
        return await run_audit(conn)


async def test_gifts_and_holds_pass_the_audit(pool: asyncpg.Pool, ledger: LedgerService) -> None:
    await economy(ledger)
    report = await audit(pool)
    assert report.ok, summary(report)


async def test_a_mirror_posted_as_a_transfer_is_found(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    ben, _ = await economy(ledger)
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, accounts.player_account(ben))
        assert head is not None
        assert isinstance(head.event, Transferred)
        forged = msgspec.structs.replace(head.event, mirror=False)  # posts the gift twice
        stream = accounts.player_account(ben)
        await eventstore.append(
            conn, (Append(stream=stream, expected=head.version, events=(forged,)),)
        )
    found = failing(await audit(pool))
    assert any("posted by 2 copies" in line for line in found["transfers_balance"])


async def test_a_hold_closed_without_moving_its_money_is_found(
    pool: asyncpg.Pool, ledger: LedgerService
) -> None:
    _, hold = await economy(ledger)
    account = accounts.hold_account(hold)
    async with pool.acquire() as conn:
        head = await eventstore.latest(conn, account)
        assert head is not None
        hollow = Transferred(  # says voided, but returns nothing: the 40 stay in the hold
            transfer_id="hollow",
            code="hold_void",
            legs=(),
            state_after={},
            occurred_at=head.recorded_at,
            hold_id=hold,
        )
        await eventstore.append(conn, (Append(stream=account, expected=1, events=(hollow,)),))
    found = failing(await audit(pool))
    assert found["held"] == [f"{account}: holds {{'diamond': 40}}, its stream says {{}}"]
