"""The treasury's own writes: genesis (once), the shard count genesis funded, and the sweep that
refills shards from inflow (DESIGN-NOTES.md, note 1)."""

import msgspec

from domain import accounts
from domain.commands import EconomyRules, Sweep
from domain.errors import StreamVersionConflict
from domain.events import Transferred
from domain.ledger import Decision
from domain.ports import EventStore, Write
from domain.state import shard_state
from domain.treasury import SweeperState, decide_genesis, decide_sweep
from service.context import Context
from service.job import Heads, Job, Sender

NOTHING = Decision(appends=())


class SweepResult(msgspec.Struct, frozen=True, kw_only=True):
    """How much a sweep moved into the shards (0 when there was nothing to move)."""

    moved: int
    transfer_id: str | None = None


async def seed_genesis(store: EventStore, ctx: Context) -> bool:
    """Mint each currency's genesis supply once; False when every one was already there."""
    seeded = False
    for currency in ctx.catalog.currencies:
        supply = currency.genesis_supply(ctx.rules.genesis_supply)
        seeded |= await _seed(store, ctx, currency.code, supply)
    return seeded


async def _seed(store: EventStore, ctx: Context, currency: str, supply: int) -> bool:
    """Mint one currency's supply. Not retried like a command: losing the race to its treasury
    stream's first version means another process seeded it."""
    transfer_id = ctx.new_id()
    decision = decide_genesis(
        ctx.rules, transfer_id=transfer_id, now=ctx.clock(), currency=currency, supply=supply
    )
    meta = {"actor": "genesis", "transfer_id": transfer_id, "currency": currency}
    async with store.session() as session:
        try:
            await session.append([Write(appends=decision.appends, metadata=meta)])
        except StreamVersionConflict:
            return False
    return True


async def funded_shards(store: EventStore) -> int | None:
    """How many shards genesis funded (None before genesis)."""
    async with store.session() as session:
        genesis = await session.read_at(accounts.TREASURY_STREAM, 1)
    if genesis is None or not isinstance(genesis.event, Transferred):
        return None
    return sum(1 for leg in genesis.event.legs if accounts.is_shard(leg.account)) or None


def sweep(ctx: Context, cmd: Sweep, key: str | None, caller: Sender) -> Job[SweepResult]:
    """The job that refills a currency's lowest shard with inflow the projection has folded."""
    transfer_id = ctx.new_id()
    currency = cmd.currency
    shards = [accounts.shard_account(i, currency) for i in range(ctx.rules.shard_count)]
    stream = accounts.treasury_stream(currency)

    async def decide(heads: Heads) -> tuple[Decision, SweepResult]:
        treasury = await heads.latest(stream)
        if treasury is None or not isinstance(treasury.event, Transferred):
            return NOTHING, SweepResult(moved=0)
        sweeper = SweeperState(treasury.version, treasury.event.state_after.get("swept", 0))
        states = [shard_state(i, await heads.latest(s), currency) for i, s in enumerate(shards)]
        decision = decide_sweep(
            sweeper,
            cmd.inflow_credited,
            states,
            transfer_id=transfer_id,
            now=ctx.clock(),
            currency=currency,
        )
        if decision is None:
            return NOTHING, SweepResult(moved=0)
        moved = cmd.inflow_credited - sweeper.swept
        return decision, SweepResult(moved=moved, transfer_id=transfer_id)

    return Job(
        command=cmd,
        scope="sweeper" if currency == "diamond" else f"sweeper:{currency}",
        key=None,
        decide=decide,
        result_type=SweepResult,
        streams=lambda: [stream, *shards],
        metadata={"actor": "sweeper"},
    )


def with_shard_count(rules: EconomyRules, count: int) -> EconomyRules:
    """The rules with another shard count."""
    return msgspec.structs.replace(rules, shard_count=count)
