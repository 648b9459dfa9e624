"""Catalog validation: the old shape still loads, and every malformed catalog or refused change
is listed with its reason."""

from datetime import UTC, datetime

import msgspec
import pytest

from domain.assets import CURRENCY, DEFAULT_CATALOG, Catalog
from domain.catalog import change_problems, problems
from domain.events import CatalogApplied
from infra import codec
from infra.catalog import CatalogInvalid, parse_catalog
from tests.catalogs import example_catalog

OLD_SHAPE = b"""{"items": [{"code": "gold_coin", "name": "Gold Coin", "price": 10}]}"""


def catalog_of(**doc: object) -> Catalog:
    return msgspec.convert(
        {"items": [{"code": "gold_coin", "name": "Gold Coin", "price": 10}], **doc}, Catalog
    )


def test_the_old_shape_is_diamonds_only_with_one_price_option() -> None:
    catalog = parse_catalog(OLD_SHAPE)
    assert catalog.currency_codes() == (CURRENCY,)
    (item,) = catalog.items
    assert item.options() == ({CURRENCY: 10},)
    assert item.contents() == {"gold_coin": 1}
    assert problems(DEFAULT_CATALOG) == []


def test_the_example_catalog_is_well_formed() -> None:
    catalog = example_catalog()
    assert catalog.currency_codes() == ("diamond", "star", "event_token")
    assert catalog.currencies[2].expires_after_seconds == 604800  # issue 23: it expires
    box = catalog.find("treasure_box")
    assert box is not None
    assert box.on_use is not None
    assert box.options()[2] == {"diamond": 20, "star": 150}
    assert box.on_use.total_weight == 100


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"currencies": [{"code": "star", "name": "Stars", "supply": 5}]}, "must include"),
        (
            {"currencies": [{"code": "diamond", "name": "D"}, {"code": "star", "name": "S"}]},
            "needs a genesis supply",
        ),
        (
            {"currencies": [{"code": "diamond", "name": "D"}, {"code": "gold_coin", "name": "G"}]},
            "used 2 times",
        ),
        (
            {"currencies": [{"code": "diamond", "name": "D"}, {"code": "inflow", "name": "I"}]},
            "reserved",
        ),
    ],
)
def test_malformed_currencies_are_refused(doc: dict[str, object], reason: str) -> None:
    assert any(reason in found for found in problems(catalog_of(**doc)))


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"price": 10, "prices": [{"diamond": 5}]}, "not both"),
        ({}, "needs a price"),
        ({"prices": [{"ruby": 5}]}, "not a currency"),
        ({"prices": [{}]}, "is empty"),
        ({"price": 5, "grants": {"diamond": 5}}, "'diamond' is not an item"),
        ({"price": 5, "onUse": {"drops": [{"weight": 0, "grants": {"gold_coin": 1}}]}}, "zero"),
        ({"price": 5, "onUse": {"drops": []}}, "empty"),
        ({"price": 5, "onUse": {}}, "exactly one"),
        ({"price": 5, "onUse": {"grants": {}}}, "nothing is granted"),
    ],
)
def test_malformed_items_are_refused(item: dict[str, object], reason: str) -> None:
    catalog = catalog_of(
        items=[
            {"code": "gold_coin", "name": "Gold Coin", "price": 10},
            {"code": "box", "name": "Box", **item},
        ]
    )
    found = problems(catalog)
    assert any(reason in f for f in found), found


def test_a_retired_item_needs_no_price() -> None:
    catalog = catalog_of(
        items=[
            {"code": "gold_coin", "name": "Gold Coin", "price": 10},
            {"code": "old", "name": "Old", "sellable": False},
        ]
    )
    assert problems(catalog) == []


def test_a_file_that_does_not_decode_is_refused_with_the_reason() -> None:
    with pytest.raises(CatalogInvalid, match="price"):
        parse_catalog(b'{"items": [{"code": "gold_coin", "name": "G", "price": -1}]}')


def test_a_currency_removed_while_held_is_refused() -> None:
    stars = [{"code": "diamond", "name": "Diamonds"}, {"code": "star", "name": "S", "supply": 9}]
    old, new = catalog_of(currencies=stars), catalog_of()
    assert change_problems(old, new, {"star": 0}) == []
    assert change_problems(old, new, {"star": 40}) == [
        "currency 'star' is removed while players hold 40"
    ]


def test_an_item_removed_while_held_is_refused() -> None:
    old = example_catalog()
    kept = tuple(i for i in old.items if i.code != "coin_pouch")
    new = msgspec.structs.replace(old, items=kept)
    assert change_problems(old, new, {"coin_pouch": 0}) == []
    (found,) = change_problems(old, new, {"coin_pouch": 3})
    assert "item 'coin_pouch' is removed while players hold 3" in found


def test_an_item_code_reused_with_another_meaning_is_refused() -> None:
    old = example_catalog()
    renamed = tuple(
        msgspec.structs.replace(i, name="Ruby") if i.code == "gem" else i for i in old.items
    )
    found = change_problems(old, msgspec.structs.replace(old, items=renamed), {})
    assert found == ["code 'gem' was the item 'Gem' and would become the item 'Ruby'"]


def test_new_prices_and_a_new_currency_are_a_valid_change() -> None:
    old = example_catalog()
    cheaper = tuple(
        msgspec.structs.replace(i, price=None, prices=({"star": 1},)) if i.code == "gem" else i
        for i in old.items
    )
    extra = msgspec.convert(
        {"code": "token", "name": "Event Tokens", "supply": 1000}, type(old.currencies[0])
    )
    new = msgspec.structs.replace(old, items=cheaper, currencies=(*old.currencies, extra))
    assert change_problems(old, new, {"star": 5, "gem": 2}) == []


def test_an_applied_catalog_round_trips_through_the_codec() -> None:
    applied = CatalogApplied(
        catalog=msgspec.structs.replace(example_catalog(), version=3),
        occurred_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert codec.decode("catalog_applied", 1, codec.encode(applied)) == applied
