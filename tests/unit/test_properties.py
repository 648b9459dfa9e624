"""The ledger's invariants hold after any sequence of commands, stale decisions included.

Commands go through the real write side (service/: the pipeline and each command's file) over an
in-memory store that enforces expected versions. A "race" runs two commands at once: both read
the same state, and the second to append must lose the version check and be re-decided by the
pipeline's retry, or leave the ledger as sound as the first.
"""

import asyncio
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain import accounts
from domain.assets import CURRENCY, DEFAULT_CATALOG
from domain.commands import Command, EconomyRules, Purchase, Reverse, SignUp, Sweep, TopUp
from domain.errors import DomainError, StreamVersionConflict
from domain.events import Claimed, PlayerRegistered, TrancheChanged, Transferred
from domain.ledger import Append, Decision, PlayerState, ShardState
from domain.state import player_state, shard_state
from service.job import Sender
from tests.fakes import NOW, FakeEventStore, fake_ledger
from tests.invariants import fold, violations

RULES = EconomyRules(
    genesis_supply=1_203, shard_count=4, top_up_max=400, referral_bonus=50, max_quantity=20
)
NAMES = ("alice", "Alice", "bob", "carol", "dave", "erin", "eve", "no")
Intent = tuple[Any, ...]

settings.register_profile(
    "dev",
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", settings.get_profile("dev"), derandomize=True)
PROFILE = settings.get_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)

who = st.integers(0, 9)
intents = st.one_of(
    st.tuples(
        st.just("signup"), st.sampled_from(NAMES), st.none() | st.integers(0, 9) | st.just("NOPE")
    ),
    st.tuples(
        st.just("top_up"),
        who,
        st.integers(1, RULES.top_up_max) | st.sampled_from([-1, 0, RULES.top_up_max + 1]),
    ),
    st.tuples(
        st.just("purchase"),
        who,
        st.sampled_from(["gold_coin", "treasure_box", "sword"]),
        st.integers(1, 12) | st.sampled_from([-1, 0, 21]),
    ),
    st.tuples(st.just("reverse"), who, st.integers(0, 30)),
    st.tuples(st.just("sweep"), st.integers(0, 200)),
)


class LedgerMachine(RuleBasedStateMachine):
    """Random commands against one ledger; the invariants are checked after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.ledger, self.store = fake_ledger(RULES)
        assert self.loop.run_until_complete(self.ledger.seed_genesis())

    def teardown(self) -> None:
        self.loop.close()

    def player_state(self, player_id: str) -> PlayerState:
        return player_state(player_id, self.store.head(accounts.player_account(player_id)))

    def shard(self, index: int) -> ShardState:
        return shard_state(index, self.store.head(accounts.shard_account(index)))

    # --- turning intents into commands over the players that exist ---------------------------

    def players(self) -> list[str]:
        return [s.event.player_id for s in self.store.log if isinstance(s.event, PlayerRegistered)]

    def player(self, index: int) -> str:
        players = self.players()
        return players[index % len(players)] if players else "ghost"

    def command(self, intent: Intent) -> Command:
        match intent:
            case ("signup", name, int(referrer)):
                code = self.referral_code(referrer)
                return SignUp(username=name, referral_code=code)
            case ("signup", name, code):
                return SignUp(username=name, referral_code=code)
            case ("top_up", index, amount):
                return TopUp(player_id=self.player(index), amount=amount)
            case ("purchase", index, item, quantity):
                return Purchase(player_id=self.player(index), item=item, quantity=quantity)
            case ("reverse", index, pick):
                pid = self.player(index)
                return Reverse(
                    player_id=pid, transfer_id=self.transfer_of(pid, pick), reason="r", actor="op"
                )
            case ("sweep", lag):
                return Sweep(inflow_credited=self.inflow_credited(lag))
        raise AssertionError(intent)

    def referral_code(self, index: int) -> str:
        codes = [
            s.event.referral_code for s in self.store.log if isinstance(s.event, PlayerRegistered)
        ]
        return codes[index % len(codes)] if codes else "NOPE"

    def transfer_of(self, player_id: str, pick: int) -> str:
        stream = self.store.streams.get(accounts.player_account(player_id), [])
        ids = [s.event.transfer_id for s in stream if isinstance(s.event, Transferred)]
        return ids[pick % len(ids)] if ids else "no-such-transfer"

    def inflow_credited(self, lag: int) -> int:
        """Inflow credits a projection lagging `lag` transfers behind the log has folded."""
        transfers = self.store.transfers()
        seen = transfers[: max(0, len(transfers) - lag)]
        return sum(
            leg.amount
            for t in seen
            for leg in t.legs
            if leg.account == accounts.INFLOW and leg.amount > 0
        )

    # --- rules --------------------------------------------------------------------------------

    @rule(intent=intents)
    def step(self, intent: Intent) -> None:
        command = self.command(intent)
        expected = self.expected_outcome(command)
        before = len(self.store.log)
        refused = self.handle(command)
        event(f"{intent[0]}: {refused.slug if refused else 'accepted'}")
        if refused is not None:
            assert len(self.store.log) == before, "a refused command wrote events"
        assert expected is None or expected == (refused is None), f"{command}: {refused}"

    @rule(first=intents, second=intents)
    def race(self, first: Intent, second: Intent) -> None:
        retries = self.ledger.conflict_retries
        commands = [self.command(i) for i in (first, second)]
        outcomes = self.loop.run_until_complete(self.run_together(commands))
        if self.ledger.conflict_retries > retries:
            event("race: the loser was re-decided")
        for outcome in outcomes:
            assert not isinstance(outcome, StreamVersionConflict), "the retry must absorb it"

    async def run_together(self, commands: list[Command]) -> list[DomainError | None]:
        return await asyncio.gather(*(self.run(c) for c in commands))

    def handle(self, command: Command) -> DomainError | None:
        return self.loop.run_until_complete(self.run(command))

    async def run(self, command: Command) -> DomainError | None:
        """The command through the real write side; the error that refused it, if any."""
        try:
            match command:
                case SignUp():
                    await self.ledger.handle(command, caller=Sender(password_hash="hash"))
                case TopUp():
                    await self.ledger.handle(command)
                case Purchase():
                    await self.ledger.handle(command)
                case Reverse():
                    await self.ledger.handle(command)
                case Sweep():
                    await self.ledger.handle(Sweep(inflow_credited=command.inflow_credited))
        except DomainError as refused:
            return refused
        return None

    def expected_outcome(self, command: Command) -> bool | None:
        """Whether a purchase or top-up must succeed (None: not predicted here)."""
        if isinstance(command, Purchase) and command.player_id != "ghost":
            item = DEFAULT_CATALOG.find(command.item)
            if item is None or not 1 <= command.quantity <= RULES.max_quantity:
                return False
            return (
                self.player_state(command.player_id).balance(CURRENCY)
                >= item.price * command.quantity
            )
        if isinstance(command, TopUp) and command.player_id != "ghost":
            if not 1 <= command.amount <= RULES.top_up_max:
                return False
            budgets = [self.shard(i).budget for i in range(RULES.shard_count)]
            return max(budgets) >= command.amount
        return None

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def conserved_balanced_and_never_negative(self) -> None:
        assert violations(self.store.transfers(), RULES.genesis_supply) == []

    @invariant()
    def shard_budgets_are_their_balances_and_never_negative(self) -> None:
        balances = fold(self.store.transfers())
        for index in range(RULES.shard_count):
            budget = self.shard(index).budget
            assert budget >= 0
            assert budget == balances.get((accounts.shard_account(index), CURRENCY), 0)
        for stored in self.store.log:
            if isinstance(stored.event, TrancheChanged):
                assert stored.event.budget_after >= 0

    @invariant()
    def each_player_carries_the_balances_its_legs_add_up_to(self) -> None:
        balances = fold(self.store.transfers())
        for pid in self.players():
            account = accounts.player_account(pid)
            folded = {asset: v for (acc, asset), v in balances.items() if acc == account and v}
            carried = {a: v for a, v in self.player_state(pid).balances.items() if v}
            assert carried == folded

    @invariant()
    def usernames_are_unique_ignoring_case(self) -> None:
        names = [
            s.event.username.lower()
            for s in self.store.log
            if isinstance(s.event, PlayerRegistered)
        ]
        assert len(names) == len(set(names))


TestLedgerInvariants = LedgerMachine.TestCase
TestLedgerInvariants.settings = PROFILE


def test_the_fake_store_refuses_a_stale_append_and_writes_nothing() -> None:
    # The race rule relies on this: a decision made on stale state never lands, not even in part.
    store = FakeEventStore()
    claim = Claimed(owner="x", occurred_at=NOW)
    store.append(Decision(appends=(Append(stream="b", expected=0, events=(claim,)),)))
    both = (
        Append(stream="a", expected=0, events=(claim,)),
        Append(stream="b", expected=0, events=(claim,)),
    )
    with pytest.raises(StreamVersionConflict):
        store.append(Decision(appends=both))
    assert (store.version("a"), store.version("b")) == (0, 1)
