"""The hot-treasury comparison: purchases with their treasury leg against the same command
path whose decision has no treasury leg, measured the same way, interleaved.

A purchase here credits `treasury:inflow` as a leg of the event on the player's own stream: no
shared row is written at command time, so the treasury leg should cost (almost) nothing. The
catalog cannot price an item at 0 (and a 0-priced purchase would still carry a 0 inflow leg),
so the variant keeps the read, the catalog lookup, the append with its expected version, the
retries and the pool, and decides a transfer of only the item legs: in double entry the
player's debit cannot go without the treasury's credit, so both currency legs go together.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from bench.stats import Measure, summarise
from domain import accounts
from domain.commands import Purchase
from domain.details import PurchaseDetails
from domain.errors import DomainError
from domain.events import Leg, Transferred
from domain.ledger import Append, Decision, PlayerState, apply_legs
from domain.shop_errors import UnknownItem
from domain.state import player_state
from service.job import Heads, Job
from service.ledger import LedgerService
from service.results import TransferResult, transfer_result

Buy = Callable[[Purchase], Awaitable[object]]


def decide_item_only(
    player: PlayerState, cmd: Purchase, ledger: LedgerService, transfer_id: str
) -> Decision:
    """The purchase's transfer without its currency legs (so without the treasury leg)."""
    item = ledger.catalog.find(cmd.item)
    if item is None:
        raise UnknownItem(f"there is no item '{cmd.item}'", item=cmd.item)
    account = accounts.player_account(player.player_id)
    legs = (
        Leg(accounts.issuer_account(item.code), item.code, -cmd.quantity),
        Leg(account, item.code, cmd.quantity),
    )
    transfer = Transferred(
        transfer_id=transfer_id,
        code="purchase",
        legs=legs,
        state_after=apply_legs(player.balances, legs, account),
        occurred_at=ledger.ctx.clock(),
        details=PurchaseDetails(item=item.code, quantity=cmd.quantity),
    )
    return Decision(appends=(Append(stream=account, expected=player.version, events=(transfer,)),))


class NoTreasuryLedger(LedgerService):
    """LedgerService whose purchases decide an item-only transfer (bench comparison only)."""

    async def purchase(self, cmd: Purchase, key: str | None = None) -> TransferResult:
        """Read, decide without the treasury leg, append: the pipeline a real purchase takes."""
        transfer_id = self.ctx.new_id()
        stream = accounts.player_account(cmd.player_id)

        async def decide(heads: Heads) -> tuple[Decision, TransferResult]:
            player = player_state(cmd.player_id, await heads.latest(stream))
            decision = decide_item_only(player, cmd, self, transfer_id)
            return decision, transfer_result(decision, transfer_id, cmd.player_id)

        job = Job(
            command=cmd,
            scope=cmd.player_id,
            key=key,
            decide=decide,
            result_type=TransferResult,
            streams=lambda: (stream,),
        )
        result: TransferResult = await self.pipeline.run(job)
        return result


class Tally:
    """Latencies, errors and busy time of one variant, summed over its slices."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.elapsed = 0.0


async def slice_of_load(buy: Buy, player_ids: list[str], tasks: int, seconds: float) -> Tally:
    """`tasks` concurrent closed-loop purchasers through `buy` for `seconds`."""
    tally = Tally()
    until = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        n = offset
        while time.perf_counter() < until:
            n += 1
            start = time.perf_counter()
            try:
                await buy(Purchase(player_id=player_ids[n % len(player_ids)], item="gold_coin"))
            except DomainError:
                tally.errors += 1
                continue
            tally.latencies.append(time.perf_counter() - start)

    begin = time.perf_counter()
    await asyncio.gather(*(worker(i * 7) for i in range(tasks)))
    tally.elapsed = time.perf_counter() - begin
    return tally


async def with_and_without(
    ledger: LedgerService, player_ids: list[str], tasks: int, seconds: float
) -> list[Measure]:
    """Command-layer purchases with and without the treasury leg, `seconds` each, in rounds of
    A-B-B-A slices of about a second, so a drift in the machine's load weighs on both alike."""
    plain = NoTreasuryLedger(pool=ledger.pool, catalog=ledger.catalog, rules=ledger.rules)
    variants: dict[str, Buy] = {"with": ledger.handle, "without": plain.purchase}
    tallies = {name: Tally() for name in variants}
    rounds = max(1, round(seconds / 2))
    for name in ("with", "without", "without", "with") * rounds:
        part = await slice_of_load(variants[name], player_ids, tasks, seconds / rounds / 2)
        total = tallies[name]
        total.latencies += part.latencies
        total.errors += part.errors
        total.elapsed += part.elapsed
    note = f"{rounds} rounds of A-B-B-A slices, same players and pool"
    return [
        summarise(
            f"command layer purchases ({tasks} tasks)",
            tallies["with"].latencies,
            tallies["with"].elapsed,
            tallies["with"].errors,
            note,
        ),
        summarise(
            f"command layer purchases, no treasury leg ({tasks} tasks)",
            tallies["without"].latencies,
            tallies["without"].elapsed,
            tallies["without"].errors,
            note + "; item legs only",
        ),
    ]
