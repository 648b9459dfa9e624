"""Store products in the catalog: what a receipt of each credits, and which catalogs are refused."""

import msgspec
import pytest

from domain.assets import Catalog
from domain.catalog import problems
from infra.catalog import CatalogInvalid, parse_catalog
from tests.catalogs import example_catalog

ITEMS = [{"code": "gem", "name": "Gem", "price": 5}]


def catalog(products: dict[str, object]) -> bytes:
    """A one-item catalog with these store products."""
    return msgspec.json.encode({"items": ITEMS, "storeProducts": products})


def test_a_product_maps_to_its_currency_in_the_stores_that_sell_it() -> None:
    shop = example_catalog()
    product = shop.store_product("apple", "com.studio.diamonds100")
    assert product is not None
    assert product.currency() == ("diamond", 100)
    stars = shop.store_product("google", "com.studio.stars1000")
    assert stars is not None
    assert stars.currency() == ("star", 1000)
    assert shop.store_product("apple", "com.studio.stars1000") is None  # google only
    assert shop.store_product("apple", "com.studio.unknown") is None


@pytest.mark.parametrize(
    ("products", "reason"),
    [
        ({"p": {"grants": {"gem": 1}}}, "store product 'p': 'gem' is not a currency"),
        ({"p": {"grants": {}}}, "store product 'p': grants exactly one currency"),
        ({"p": {"grants": {"diamond": 1}, "stores": []}}, "store product 'p': no store sells it"),
    ],
)
def test_a_bad_product_is_refused_with_its_reason(products: dict[str, object], reason: str) -> None:
    with pytest.raises(CatalogInvalid) as refused:
        parse_catalog(catalog(products))
    assert reason in refused.value.reasons


def test_an_unknown_store_does_not_decode() -> None:
    with pytest.raises(CatalogInvalid):
        parse_catalog(catalog({"p": {"grants": {"diamond": 1}, "stores": ["huawei"]}}))


def test_a_catalog_without_products_still_decodes_and_keeps_them_through_its_event() -> None:
    plain = parse_catalog(msgspec.json.encode({"items": ITEMS}))
    assert plain.store_products == {}
    assert problems(plain) == []
    stored = msgspec.json.encode(example_catalog())
    assert b'"storeProducts"' in stored
    assert msgspec.json.decode(stored, type=Catalog) == example_catalog()
