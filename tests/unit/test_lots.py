"""Currency that expires, as properties (hypothesis) over a fake clock: spends take the
soonest-expiring units first; every asset is conserved; a player's lots always sum to their
balance, soonest first; every expiry takes only lots that are due, each at most its remainder
(the audit's own lot checks find nothing)."""

import asyncio
from datetime import datetime, timedelta

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain import accounts, lots
from domain.assets import Catalog
from domain.commands import (
    EconomyRules,
    ExpireLots,
    Gift,
    Grant,
    Purchase,
    SignUp,
    StoreCredit,
    TopUp,
    UseItem,
)
from domain.details import ExpiryDetails
from domain.errors import DomainError
from domain.events import SCHEMA_VERSION, Leg, PlayerRegistered, Transferred
from domain.expiry import expiry_of
from domain.lots import Expiry, Lot
from domain.state import player_state
from domain.timed import TimedState
from infra import codec
from infra.eventstore import StoredEvent
from projections.audit_lots import LotChecks
from projections.feed_message import body, subject
from projections.replay import evolve
from projections.webhooks import matches
from service.job import Sender
from tests.catalogs import example_catalog
from tests.fakes import NOW, fake_ledger
from tests.invariants import violations
from tests.unit.test_properties import PROFILE

RULES = EconomyRules(genesis_supply=1_000_000, shard_count=2, top_up_max=500)
TOKEN = "event_token"
offsets = st.none() | st.integers(-2, 15)  # minutes from now; None: never expires


def at(minutes: int | None) -> datetime | None:
    return None if minutes is None else NOW + timedelta(minutes=minutes)


@given(
    credits=st.lists(st.tuples(st.integers(1, 50), offsets), max_size=12),
    spends=st.lists(st.integers(1, 80), max_size=12),
)
def test_spends_take_the_soonest_expiring_units_first(
    credits: list[tuple[int, int | None]], spends: list[int]
) -> None:
    held: lots.Lots = ()
    units: list[float] = []  # one entry per unit: minutes to its expiry (inf: never)
    for amount, minutes in credits:
        held = lots.credit(held, amount, at(minutes))
        units += [float("inf") if minutes is None else minutes] * amount
    for amount in spends:
        amount = min(amount, len(units))
        held = lots.debit(held, amount)
        units = sorted(units)[amount:]  # FEFO: the soonest units go
        left = sorted(
            float("inf")
            if lot.expires_at is None
            else (lot.expires_at - NOW) / timedelta(minutes=1)
            for lot in held
            for _ in range(lot.amount)
        )
        assert left == units
        assert [lot.expires_at for lot in held] == sorted(
            (lot.expires_at for lot in held), key=lambda d: (d is None, d or NOW)
        )


@given(balance=st.integers(0, 100), credit=st.integers(1, 100), spend=st.integers(0, 200))
def test_an_expiring_credit_on_a_balance_that_never_expires_is_spent_before_it(
    balance: int, credit: int, spend: int
) -> None:
    expiry = Expiry(at={TOKEN: NOW + timedelta(days=1)})
    held = lots.moved({}, {TOKEN: balance}, [(TOKEN, credit)], expiry, NOW)
    assert lots.total(held[TOKEN]) == balance + credit
    spend = min(spend, balance + credit)
    after = lots.moved(held, {TOKEN: balance + credit}, [(TOKEN, -spend)], lots.NEVER, NOW)
    expiring = max(0, credit - spend)
    if expiring == 0:
        assert after == {}  # nothing left expires: the asset is held plainly again
    else:
        assert after[TOKEN][0] == Lot(amount=expiring, expires_at=NOW + timedelta(days=1))


class LotMachine(RuleBasedStateMachine):
    """Top-ups (the catalog's week, or their own expiry), purchases, gifts, expiries and a clock
    that moves, through the real write side over an in-memory store."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.now = NOW
        self.ledger, self.store = fake_ledger(RULES, example_catalog(), lambda: self.now)
        assert self.loop.run_until_complete(self.ledger.seed_genesis())
        self.players = [self.sign_up(name) for name in ("ann", "bob", "cid")]
        self.checks = LotChecks()
        self.checked = 0

    def teardown(self) -> None:
        self.loop.close()

    def sign_up(self, name: str) -> str:
        signed = self.run(SignUp(username=name), Sender(password_hash="h"))
        assert signed is not None
        return str(signed.player_id)

    def run(self, command: object, caller: Sender | None = None) -> object:
        try:
            handled = self.ledger.handle(command, caller=caller or Sender())  # type: ignore[arg-type]
            return self.loop.run_until_complete(handled)
        except DomainError:
            return None

    @rule(who=st.integers(0, 2), amount=st.integers(1, 200), minutes=offsets)
    def top_up(self, who: int, amount: int, minutes: int | None) -> None:
        when = None if minutes is None else self.now + timedelta(minutes=minutes)
        player = self.players[who]
        self.run(TopUp(player_id=player, amount=amount, currency=TOKEN, expires_at=when))

    @rule(who=st.integers(0, 2), quantity=st.integers(1, 4))
    def purchase(self, who: int, quantity: int) -> None:
        self.run(
            Purchase(player_id=self.players[who], item="coin_pouch", quantity=quantity, price=1)
        )

    @rule(who=st.integers(0, 2), to=st.integers(0, 2), amount=st.integers(1, 120))
    def gift(self, who: int, to: int, amount: int) -> None:
        names = ("ann", "bob", "cid")
        self.run(Gift(sender_id=self.players[who], to=names[to], asset=TOKEN, amount=amount))

    @rule(minutes=st.integers(1, 20))
    def later(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(who=st.integers(0, 2))
    def expire(self, who: int) -> None:
        player = self.players[who]
        self.run(ExpireLots(player_id=player), Sender("expirer", "system"))
        due = lots.due(self.state(player).timed.lots, self.now)
        assert due == {}, "an expiry leaves nothing due"

    def state(self, player: str) -> object:
        return player_state(player, self.store.head(accounts.player_account(player)))

    @invariant()
    def every_asset_is_conserved(self) -> None:
        assert violations(self.store.transfers(), RULES.genesis_supply) == []

    @invariant()
    def lots_sum_to_balances_and_expiries_take_only_what_is_due(self) -> None:
        for stored in self.store.log[self.checked :]:
            self.checks.apply(stored.stream_id, stored.version, stored.event)
        self.checked = len(self.store.log)
        assert (self.checks.sums, self.checks.expiries) == ([], [])
        for player in self.players:
            head = self.store.head(accounts.player_account(player))
            assert head is not None
            event = head.event
            assert isinstance(event, Transferred | PlayerRegistered)
            if isinstance(event, Transferred) and event.timed is not None:
                for asset, held in event.timed.lots.items():
                    assert lots.total(held) == event.state_after[asset]


TestLots = LotMachine.TestCase
TestLots.settings = settings(PROFILE, max_examples=40, stateful_step_count=25)


def expired_lot() -> tuple[StoredEvent, Transferred]:
    """A player's top-up of 40 tokens due in a minute, and the expiry an hour later."""
    clock = [NOW]
    ledger, store = fake_ledger(RULES, example_catalog(), lambda: clock[0])
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(ledger.seed_genesis())
        signed = loop.run_until_complete(ledger.handle(SignUp(username="ann"), caller=Sender()))
        due = NOW + timedelta(minutes=1)
        top_up = TopUp(player_id=signed.player_id, amount=40, currency=TOKEN, expires_at=due)
        loop.run_until_complete(ledger.handle(top_up))
        clock[0] = NOW + timedelta(hours=1)
        loop.run_until_complete(ledger.handle(ExpireLots(player_id=signed.player_id)))
    finally:
        loop.close()
    stored = store.head(accounts.player_account(signed.player_id))
    assert stored is not None
    assert isinstance(stored.event, Transferred)
    return stored, stored.event


def test_an_expiry_is_stored_replayed_and_published_as_its_own_code() -> None:
    stored, expiry = expired_lot()
    assert expiry.code == "expiry"
    assert expiry.details == ExpiryDetails(
        expired={TOKEN: (Lot(amount=40, expires_at=NOW + timedelta(minutes=1)),)}
    )
    assert codec.decode("transferred", SCHEMA_VERSION, codec.encode(expiry)) == expiry
    assert subject("gameledger", stored) == "gameledger.player.transferred.expiry"
    assert body(stored, {})["event"]["legs"][0]["amount"] == -40
    assert matches(["transferred.expiry"], "transferred.expiry")


def test_replay_shows_the_lots_each_event_leaves() -> None:
    state: dict[str, object] = {}
    due = NOW + timedelta(minutes=1)
    lots_after = {TOKEN: (Lot(amount=40, expires_at=due),)}
    credit = Transferred(
        transfer_id="t1", code="top_up", occurred_at=NOW, state_after={TOKEN: 40},
        legs=(Leg("treasury:shard:event_token:0", TOKEN, -40), Leg("player:p1", TOKEN, 40)),
        timed=TimedState(lots=lots_after),
    )  # fmt: skip
    state = evolve("player:p1", state, credit)
    assert state == {
        "balances": {TOKEN: 40},
        "lots": {TOKEN: [{"amount": 40, "expiresAt": "2026-01-02T03:05:05Z"}]},
    }
    _, expiry = expired_lot()
    assert "lots" not in evolve("player:p1", state, expiry)


def expiring_pouch(catalog: Catalog) -> Catalog:
    """The catalog with the coin pouch's credits expiring a minute after them."""
    items = tuple(
        msgspec.structs.replace(item, expires_after_seconds=60)
        if item.code == "coin_pouch"
        else item
        for item in catalog.items
    )
    return msgspec.structs.replace(catalog, items=items)


def test_a_credit_expires_by_its_own_terms_over_its_currencys() -> None:
    catalog = example_catalog()
    top_up = TopUp(player_id="p", amount=1, currency=TOKEN)
    assert expiry_of(catalog, top_up).of(TOKEN, NOW) == NOW + timedelta(days=7)
    assert expiry_of(catalog, top_up).of("diamond", NOW) is None  # diamonds never expire
    own = NOW + timedelta(hours=2)
    grant = Grant(player="ann", amount=5, reason="quest", currency=TOKEN, expires_at=own)
    assert expiry_of(catalog, grant).of(TOKEN, NOW) == own
    receipt = StoreCredit(
        player_id="p", store="apple", receipt_id="r", product_id="com.studio.eventtokens100"
    )
    assert expiry_of(catalog, receipt).of(TOKEN, NOW) == NOW + timedelta(days=3)
    with_pouch = expiring_pouch(catalog)
    use = UseItem(player_id="p", item="coin_pouch")  # its 3 gold coins expire in a minute
    assert expiry_of(with_pouch, use).of("gold_coin", NOW) == NOW + timedelta(minutes=1)


def test_what_an_expiring_item_grants_goes_back_to_its_issuer() -> None:
    catalog = example_catalog()
    catalog = expiring_pouch(catalog)
    clock = [NOW]
    ledger, store = fake_ledger(RULES, catalog, lambda: clock[0])
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(ledger.seed_genesis())
        ann = loop.run_until_complete(ledger.handle(SignUp(username="ann"), caller=Sender()))
        pid = ann.player_id
        for command in (
            TopUp(player_id=pid, amount=50, currency="star"),
            Purchase(player_id=pid, item="coin_pouch"),  # the pouch itself: a lot of a minute
            UseItem(player_id=pid, item="coin_pouch"),  # 3 gold coins: a lot of a minute
        ):
            loop.run_until_complete(ledger.handle(command))
        clock[0] = NOW + timedelta(minutes=2)
        loop.run_until_complete(ledger.handle(ExpireLots(player_id=pid)))
    finally:
        loop.close()
    head = store.head(accounts.player_account(pid))
    assert head is not None
    assert isinstance(head.event, Transferred)
    assert head.event.legs == (
        Leg(f"player:{pid}", "gold_coin", -3),
        Leg("issuer:gold_coin", "gold_coin", 3),
    )
    assert head.event.state_after["gold_coin"] == 0
    assert violations(store.transfers(), RULES.genesis_supply) == []
