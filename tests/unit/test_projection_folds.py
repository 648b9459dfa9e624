"""The projections' folds and the audit's replay, called directly: no database."""

import io
from datetime import UTC, datetime, timedelta

from domain.details import PurchaseDetails, SettlementDetails
from domain.event_base import Event
from domain.events import Claimed, Leg, PlayerRegistered, TrancheChanged, Transferred
from infra.eventstore import StoredEvent
from projections import accounts, history, holds, players, treasury, views
from projections.audit_replay import Cut, Replay
from projections.progress import Progress
from projections.replay import evolve

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ALICE, BOB = "player:alice", "player:bob"


def at(stream: str, version: int, event: Event, position: int = 0) -> StoredEvent:
    return StoredEvent(
        stream_id=stream,
        version=version,
        global_position=position or version,
        event=event,
        recorded_at=T0 + timedelta(seconds=position or version),
    )


def registered(player: str) -> PlayerRegistered:
    return PlayerRegistered(player_id=player, username=player, referral_code="CODE", occurred_at=T0)


def top_up(player: str, amount: int, after: int, shard: int = 0) -> Transferred:
    legs = (Leg(f"treasury:shard:{shard}", "diamond", -amount), Leg(player, "diamond", amount))
    return Transferred(
        transfer_id=f"t{after}",
        code="top_up",
        legs=legs,
        state_after={"diamond": after},
        occurred_at=T0,
    )


def purchase(player: str, cost: int, state: dict[str, int]) -> Transferred:
    legs = (
        Leg(player, "diamond", -cost),
        Leg("treasury:inflow", "diamond", cost),
        Leg("issuer:gold_coin", "gold_coin", -1),
        Leg(player, "gold_coin", 1),
    )
    return Transferred(
        transfer_id="buy",
        code="purchase",
        legs=legs,
        state_after=state,
        occurred_at=T0,
        details=PurchaseDetails(item="gold_coin", quantity=1),
    )


ALICE_DAY = [
    at(ALICE, 1, registered("alice")),
    at(ALICE, 2, top_up(ALICE, 100, 100)),
    at(ALICE, 3, purchase(ALICE, 10, {"diamond": 90, "gold_coin": 1})),
]


def test_a_wallet_is_the_newest_state_of_each_player() -> None:
    wallets = players.fold([*ALICE_DAY, at(BOB, 1, registered("bob"), position=9)])
    alice = wallets["alice"]
    assert (alice.version, alice.balance, alice.inventory()) == (3, 90, {"gold_coin": 1})
    assert alice.username == "alice"
    assert alice.updated_at == ALICE_DAY[-1].recorded_at
    assert (wallets["bob"].version, wallets["bob"].balance) == (1, 0)


def test_an_older_event_never_overwrites_a_newer_state() -> None:
    wallets = players.fold(list(reversed(ALICE_DAY)))
    assert (wallets["alice"].version, wallets["alice"].balance) == (3, 90)
    assert wallets["alice"].username == "alice"


def test_a_batch_without_registration_leaves_the_profile_alone() -> None:
    wallet = players.fold(ALICE_DAY[1:])["alice"]
    assert wallet.username is None
    assert wallet.registered_at is None


def test_other_accounts_fold_to_one_delta_per_account_and_asset() -> None:
    many = [
        at(f"player:p{n}", 2, purchase(f"player:p{n}", 10, {}), position=n) for n in range(1, 50)
    ]
    deltas = accounts.fold(many)
    assert {key: delta for key, (delta, _) in deltas.items()} == {
        ("treasury:inflow", "diamond"): 490,
        ("issuer:gold_coin", "gold_coin"): -49,
    }


def test_treasury_folds_a_batch_into_one_row_per_asset() -> None:
    sweep = Transferred(
        transfer_id="s",
        code="sweep",
        legs=(Leg("treasury:inflow", "diamond", -10), Leg("treasury:shard:1", "diamond", 10)),
        state_after={"swept": 10},
        occurred_at=T0,
    )
    deltas = treasury.fold([*ALICE_DAY, at("treasury", 2, sweep, position=4)])
    diamond, coin = deltas["diamond"], deltas["gold_coin"]
    assert (diamond.shards, diamond.inflow, diamond.inflow_credited) == (-90, 0, 10)
    assert (coin.issued, coin.shards, coin.inflow) == (1, 0, 0)


def test_history_has_a_row_per_player_transfer() -> None:
    tranche = TrancheChanged(transfer_id="t100", delta=-100, budget_after=0, occurred_at=T0)
    entries = history.fold([*ALICE_DAY, at("treasury:shard:0", 2, tranche, position=7)])
    assert [(e.player_id, e.version, e.code, e.balance_after) for e in entries] == [
        ("alice", 2, "top_up", 100),
        ("alice", 3, "purchase", 90),
    ]
    assert entries[1].legs[1] == views.Leg("treasury:inflow", "diamond", 10)
    assert (entries[1].item, entries[1].quantity) == ("gold_coin", 1)


def replay_of(events: list[StoredEvent]) -> Replay:
    replay = Replay(cuts={"half": Cut()})
    for n, stored in enumerate(events):
        included = {"half": n < len(events) // 2}
        replay.apply(stored.stream_id, stored.version, stored.event, included)
    return replay


GENESIS = Transferred(
    transfer_id="g",
    code="genesis",
    legs=(Leg("issuer:diamond", "diamond", -1000), Leg("treasury:shard:0", "diamond", 1000)),
    state_after={"swept": 0},
    occurred_at=T0,
)


def test_the_audit_replay_finds_nothing_wrong_in_a_sound_log() -> None:
    replay = replay_of([at("treasury", 1, GENESIS), *ALICE_DAY])
    assert dict(replay.findings) == {}
    assert replay.ledger.balances[ALICE] == {"diamond": 90, "gold_coin": 1}
    assert replay.genesis == {"diamond": 1000}
    assert replay.cuts["half"].versions == {"alice": 1}  # the first half: genesis, registration


def test_the_audit_replay_reports_what_is_broken() -> None:
    unbalanced = Transferred(
        transfer_id="x",
        code="top_up",
        legs=(Leg(BOB, "diamond", 5),),
        state_after={"diamond": 6},
        occurred_at=T0,
    )
    replay = replay_of([*ALICE_DAY, at(BOB, 2, unbalanced, position=8)])
    assert replay.findings["transfers_balance"] == ["player:bob v2 (x): sums {'diamond': 5}"]
    assert replay.findings["stream_versions"] == ["player:bob v2: expected version 1"]
    assert replay.findings["state_after"] == [
        "player:bob v2: carries {'diamond': 6}, the replay gives {'diamond': 5}"
    ]
    assert replay.findings["no_negative_balances"] == [
        "treasury:shard:0 at player:alice v2: {'diamond': -100}"
    ]


def gift(transfer_id: str, source: str, target: str, after: int, *, mirror: bool) -> Transferred:
    legs = (Leg(source, "diamond", -10), Leg(target, "diamond", 10))
    return Transferred(
        transfer_id=transfer_id,
        code="gift",
        legs=legs,
        state_after={"diamond": after},
        occurred_at=T0,
        mirror=mirror,
    )


def test_two_crossing_gifts_of_one_group_pass_in_the_order_group_commit_writes_them() -> None:
    # Bob gifts back what Alice just gave him, decided on the group's heads. The statement
    # writes rows in (stream, version) order: both of Alice's copies before both of Bob's, so
    # the log meets the second gift (posting it) before Bob's copy of the first.
    start = [at(ALICE, 1, registered("alice")), at(BOB, 1, registered("bob"), position=2)]
    top = [at(ALICE, 2, top_up(ALICE, 10, 10), position=3)]
    group = [
        at(ALICE, 3, gift("g1", ALICE, BOB, 0, mirror=False), position=4),
        at(ALICE, 4, gift("g2", BOB, ALICE, 10, mirror=True), position=5),
        at(BOB, 2, gift("g1", ALICE, BOB, 10, mirror=True), position=6),
        at(BOB, 3, gift("g2", BOB, ALICE, 0, mirror=False), position=7),
    ]
    replay = replay_of([at("treasury", 1, GENESIS, position=1), *start, *top, *group])
    replay.finish()
    assert dict(replay.findings) == {}


def test_replay_state_per_kind_of_stream() -> None:
    tranche = TrancheChanged(transfer_id="t", delta=-5, budget_after=95, occurred_at=T0)
    assert evolve("treasury:shard:0", {"budget": 100}, tranche) == {"budget": 95}
    assert evolve("username:a", {}, Claimed(owner="a", occurred_at=T0)) == {"owner": "a"}
    state = evolve(ALICE, {"balances": {"diamond": 100}}, ALICE_DAY[2].event)
    assert state == {"balances": {"diamond": 90, "gold_coin": 1}}


def test_progress_is_silent_off_a_terminal() -> None:
    sink = io.StringIO()
    bar = Progress("players", 10, sink)
    bar.advance(10)
    bar.finish()
    assert sink.getvalue() == ""
    assert bar.line().startswith("players")
    assert "100%" in bar.line()


def test_a_settled_hold_shows_what_it_captured_without_its_terms_in_the_batch() -> None:
    # The domain's rule (captured_by) reads the hold's own leg of the settlement: the fold needs
    # no HoldPlaced from the same batch to know the whole hold went into the pot.
    legs = (
        Leg("hold:h1", "diamond", -20),
        Leg("hold:h2", "diamond", -30),
        Leg("player:p2", "diamond", 45),
        Leg("treasury:inflow", "diamond", 5),
    )
    settlement = Transferred(
        transfer_id="s",
        code="settlement",
        legs=legs,
        state_after={},
        occurred_at=T0,
        mirror=True,
        details=SettlementDetails(settlement_id="m1"),
    )
    [row] = holds.fold([at("hold:h2", 2, settlement, position=9)]).values()
    assert (row["hold_id"], row["status"], row["captured"]) == ("h2", "captured", 30)
