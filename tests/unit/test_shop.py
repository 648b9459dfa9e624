"""The shop's decisions: price mixes, bundles, retired items, item use with fixed grants and
drop tables, top-ups and the treasury in a second currency."""

import msgspec
import pytest

from domain import accounts
from domain.commands import EconomyRules, Purchase, TopUp, UseItem
from domain.events import Leg, TrancheChanged, Transferred
from domain.ledger import Decision, PlayerState, ShardState, imbalances
from domain.players import decide_top_up
from domain.shop import decide_purchase, decide_use
from domain.shop_errors import ItemNotUsable, NotForSale, UnknownPriceOption
from domain.transfer_errors import InsufficientFunds, UnknownAsset
from domain.treasury import SweeperState, decide_genesis, decide_sweep
from tests.catalogs import example_catalog
from tests.fakes import NOW

RULES = EconomyRules(shard_count=4, max_quantity=100)
CATALOG = example_catalog()
ME = accounts.player_account("p1")


def given_player(version: int = 3, **balances: int) -> PlayerState:
    return PlayerState(player_id="p1", version=version, balances=balances)


def when_buying(player: PlayerState, item: str, price: int = 0, quantity: int = 1) -> Decision:
    cmd = Purchase(player_id="p1", item=item, price=price, quantity=quantity)
    return decide_purchase(player, cmd, catalog=CATALOG, transfer_id="t1", rules=RULES, now=NOW)


def when_using(
    player: PlayerState, item: str, rolls: tuple[int, ...] = (), quantity: int = 1
) -> Decision:
    cmd = UseItem(player_id="p1", item=item, quantity=quantity)
    return decide_use(
        player, cmd, catalog=CATALOG, rolls=rolls, transfer_id="t1", rules=RULES, now=NOW
    )


def the_transfer(decision: Decision) -> Transferred:
    (append,) = decision.appends
    (event,) = append.events
    assert isinstance(event, Transferred)
    return event


def test_a_mixed_price_is_one_transfer_balanced_per_currency() -> None:
    decision = when_buying(given_player(diamond=100, star=500), "treasure_box", price=2, quantity=2)
    transfer = the_transfer(decision)
    assert set(transfer.legs) == {
        Leg(ME, "diamond", -40),
        Leg(accounts.INFLOW, "diamond", 40),
        Leg(ME, "star", -300),
        Leg(accounts.INFLOW, "star", 300),
        Leg(accounts.issuer_account("treasure_box"), "treasure_box", -2),
        Leg(ME, "treasure_box", 2),
    }
    assert imbalances(transfer.legs) == {}
    assert transfer.state_after == {"diamond": 60, "star": 200, "treasure_box": 2}
    assert transfer.details.paid == {"diamond": 40, "star": 300}
    assert transfer.details.catalog_version == 0


def test_the_default_price_option_is_the_first() -> None:
    transfer = the_transfer(when_buying(given_player(diamond=100, star=500), "treasure_box"))
    assert transfer.details.paid == {"diamond": 50}


def test_a_mix_short_of_one_currency_names_what_is_missing() -> None:
    with pytest.raises(InsufficientFunds) as refused:
        when_buying(given_player(diamond=100, star=100), "treasure_box", price=2)
    assert refused.value.context["missing"] == {"star": 50}


def test_a_diamond_price_keeps_the_game_clients_message() -> None:
    with pytest.raises(InsufficientFunds, match="costs 10 diamonds but the balance is 3"):
        when_buying(given_player(diamond=3), "gold_coin")


def test_an_unknown_price_option_is_refused() -> None:
    with pytest.raises(UnknownPriceOption):
        when_buying(given_player(diamond=100), "gold_coin", price=2)


def test_a_bundle_credits_its_contents_in_the_same_transfer() -> None:
    transfer = the_transfer(when_buying(given_player(diamond=250), "starter_pack", quantity=2))
    assert transfer.details.granted == {"gold_coin": 20, "treasure_box": 2}
    assert transfer.state_after == {"diamond": 50, "gold_coin": 20, "treasure_box": 2}
    assert imbalances(transfer.legs) == {}


def test_a_retired_item_is_not_sold() -> None:
    catalog = msgspec.structs.replace(
        CATALOG,
        items=tuple(
            msgspec.structs.replace(i, sellable=False) if i.code == "gem" else i
            for i in CATALOG.items
        ),
    )
    cmd = Purchase(player_id="p1", item="gem")
    with pytest.raises(NotForSale):
        decide_purchase(
            given_player(diamond=1000), cmd, catalog=catalog, transfer_id="t", rules=RULES, now=NOW
        )


def test_using_fixed_grants_burns_the_items_back_to_their_issuer() -> None:
    transfer = the_transfer(when_using(given_player(coin_pouch=3), "coin_pouch", quantity=2))
    assert transfer.code == "item_use"
    assert Leg(accounts.issuer_account("coin_pouch"), "coin_pouch", 2) in transfer.legs
    assert transfer.details.granted == {"gold_coin": 6}
    assert transfer.state_after == {"coin_pouch": 1, "gold_coin": 6}
    assert imbalances(transfer.legs) == {}


def test_a_drop_table_records_each_roll_and_the_drop_it_landed_on() -> None:
    # weights 70 / 25 / 5: a draw of 0 lands on the first, 70 on the second, 99 on the third
    transfer = the_transfer(
        when_using(given_player(treasure_box=3), "treasure_box", (0, 70, 99), 3)
    )
    assert transfer.details.rolls == (0, 70, 99)
    assert transfer.details.drops == (0, 1, 2)
    assert transfer.details.granted == {"gold_coin": 25, "gem": 1}
    assert transfer.state_after == {"treasure_box": 0, "gold_coin": 25, "gem": 1}


def test_an_item_without_on_use_is_not_usable() -> None:
    with pytest.raises(ItemNotUsable):
        when_using(given_player(gem=1), "gem")


def test_using_more_than_is_held_is_refused() -> None:
    with pytest.raises(InsufficientFunds):
        when_using(given_player(coin_pouch=1), "coin_pouch", quantity=2)


def test_a_star_top_up_draws_on_a_star_shard() -> None:
    shard = ShardState(index=1, version=4, budget=1000, currency="star")
    cmd = TopUp(player_id="p1", amount=300, currency="star")
    decision = decide_top_up(
        given_player(), shard, cmd, transfer_id="t1", rules=RULES, now=NOW, catalog=CATALOG
    )
    player, tranche = decision.appends
    assert tranche.stream == "treasury:shard:star:1"
    assert tranche.events == (
        TrancheChanged(transfer_id="t1", delta=-300, budget_after=700, occurred_at=NOW),
    )
    (event,) = player.events
    assert isinstance(event, Transferred)
    assert event.legs == (Leg("treasury:shard:star:1", "star", -300), Leg(ME, "star", 300))


def test_a_top_up_in_an_unknown_currency_is_refused() -> None:
    shard = ShardState(index=1, version=4, budget=1000, currency="ruby")
    cmd = TopUp(player_id="p1", amount=3, currency="ruby")
    with pytest.raises(UnknownAsset):
        decide_top_up(
            given_player(), shard, cmd, transfer_id="t1", rules=RULES, now=NOW, catalog=CATALOG
        )


def test_each_currency_has_its_own_genesis_and_shards() -> None:
    decision = decide_genesis(RULES, transfer_id="g", now=NOW, currency="star", supply=1001)
    streams = [a.stream for a in decision.appends]
    assert streams == ["treasury:star", *(f"treasury:shard:star:{i}" for i in range(4))]
    (genesis,) = decision.appends[0].events
    assert isinstance(genesis, Transferred)
    assert Leg(accounts.issuer_account("star"), "star", -1001) in genesis.legs
    assert sum(g.amount for g in genesis.legs if g.amount > 0) == 1001


def test_a_stars_sweep_refills_a_star_shard_from_inflow() -> None:
    shards = [ShardState(index=i, version=1, budget=10 * i, currency="star") for i in range(3)]
    decision = decide_sweep(
        SweeperState(2, 100), 150, shards, transfer_id="s", now=NOW, currency="star"
    )
    assert decision is not None
    treasury, shard = decision.appends
    assert (treasury.stream, treasury.expected) == ("treasury:star", 2)
    assert shard.stream == "treasury:shard:star:0"
    (sweep,) = treasury.events
    assert isinstance(sweep, Transferred)
    assert sweep.legs == (
        Leg(accounts.INFLOW, "star", -50),
        Leg("treasury:shard:star:0", "star", 50),
    )
    assert sweep.state_after == {"swept": 150}
