"""Offers with windows and limits: a purchase outside an item's window or over its limit per
player is refused, and the count rides on the player's state, per calendar window in UTC."""

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import offers
from domain.assets import Catalog, CatalogItem
from domain.catalog import problems
from domain.commands import EconomyRules, Purchase
from domain.events import Transferred
from domain.ledger import PlayerState
from domain.offers import OfferCount
from domain.ports import StoredEvent
from domain.shop import decide_purchase
from domain.shop_errors import OfferNotAvailable, PurchaseLimitReached
from domain.state import player_state
from domain.timed import TimedState
from domain.transfer_errors import InsufficientFunds

RULES = EconomyRules(shard_count=4, max_quantity=100)
# A Wednesday afternoon
WED = datetime(2026, 12, 9, 15, 30, tzinfo=UTC)
MONDAY = datetime(2026, 12, 7, tzinfo=UTC)
FROM, UNTIL = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC)


def item(**offer: object) -> CatalogItem:
    return msgspec.convert(
        {"code": "winter_pack", "name": "Winter Pack", "price": 10, **offer}, CatalogItem
    )


def catalog(*items: CatalogItem) -> Catalog:
    return Catalog(items=items)


def rich(timed: TimedState | None = None) -> PlayerState:
    return PlayerState(
        player_id="p1", version=3, balances={"diamond": 1_000}, timed=timed or TimedState()
    )


def buy(player: PlayerState, shop: Catalog, now: datetime = WED, quantity: int = 1) -> Transferred:
    cmd = Purchase(player_id="p1", item="winter_pack", quantity=quantity)
    decision = decide_purchase(player, cmd, catalog=shop, transfer_id="t", rules=RULES, now=now)
    (append,) = decision.appends
    (event,) = append.events
    assert isinstance(event, Transferred)
    return event


def after(player: PlayerState, event: Transferred) -> PlayerState:
    stored = StoredEvent(
        stream_id="p", version=player.version + 1, global_position=1, recorded_at=WED, event=event
    )
    return player_state("p1", stored)


@pytest.mark.parametrize(
    ("now", "sold"),
    [
        (FROM - timedelta(seconds=1), False),
        (FROM, True),
        (UNTIL - timedelta(microseconds=1), True),
        (UNTIL, False),
    ],
)
def test_an_offer_sells_from_its_start_until_just_before_its_end(now: datetime, sold: bool) -> None:
    window = {"availableFrom": "2026-12-01T00:00:00Z", "availableUntil": "2026-12-20T00:00:00Z"}
    shop = catalog(item(**window))
    if sold:
        assert buy(rich(), shop, now).code == "purchase"
        return
    with pytest.raises(OfferNotAvailable) as refused:
        buy(rich(), shop, now)
    assert refused.value.context["availableFrom"] == FROM
    assert refused.value.context["availableUntil"] == UNTIL
    assert refused.value.said in (
        "The Winter Pack is on offer from 2026-12-01 00:00 UTC.",
        "The offer of the Winter Pack ended at 2026-12-20 00:00 UTC.",
    )


def test_a_lifetime_limit_counts_on_the_players_state_and_refuses_the_next() -> None:
    shop = catalog(item(limit={"perPlayer": 2, "window": "lifetime"}))
    first = buy(rich(), shop)
    assert first.timed == TimedState(offers={"winter_pack": OfferCount(used=1)})
    player = after(rich(), first)
    second = buy(player, shop, WED + timedelta(days=400))
    assert second.timed is not None
    assert second.timed.offers["winter_pack"].used == 2
    with pytest.raises(PurchaseLimitReached) as refused:
        buy(after(player, second), shop)
    assert refused.value.context == {
        "item": "winter_pack",
        "limit": 2,
        "window": "lifetime",
        "used": 2,
        "remaining": 0,
        "resetsAt": None,
    }


def test_a_quantity_that_would_go_over_the_limit_is_refused_whole() -> None:
    shop = catalog(item(limit={"perPlayer": 3, "window": "day"}))
    player = after(rich(), buy(rich(), shop, quantity=2))
    with pytest.raises(PurchaseLimitReached) as refused:
        buy(player, shop, quantity=2)
    assert refused.value.context["used"] == 2
    assert refused.value.context["remaining"] == 1
    assert buy(player, shop, quantity=1).timed.offers["winter_pack"].used == 3  # type: ignore[union-attr]


def test_a_daily_limit_starts_again_at_midnight_utc() -> None:
    shop = catalog(item(limit={"perPlayer": 1, "window": "day"}))
    player = after(rich(), buy(rich(), shop))
    with pytest.raises(PurchaseLimitReached) as refused:
        buy(player, shop, WED.replace(hour=23, minute=59, second=59))
    assert refused.value.context["resetsAt"] == datetime(2026, 12, 10, tzinfo=UTC)
    assert "starts again at 2026-12-10 00:00 UTC" in (refused.value.said or "")
    tomorrow = buy(player, shop, datetime(2026, 12, 10, tzinfo=UTC))
    assert tomorrow.timed is not None
    assert tomorrow.timed.offers["winter_pack"] == OfferCount(
        used=1, window="day", window_start=datetime(2026, 12, 10, tzinfo=UTC)
    )


def test_a_weekly_limit_runs_from_monday_midnight_utc() -> None:
    shop = catalog(item(limit={"perPlayer": 1, "window": "week"}))
    player = after(rich(), buy(rich(), shop, MONDAY))
    sunday_night = MONDAY + timedelta(days=7, microseconds=-1)
    with pytest.raises(PurchaseLimitReached) as refused:
        buy(player, shop, sunday_night)
    assert refused.value.context["resetsAt"] == MONDAY + timedelta(days=7)
    assert buy(player, shop, MONDAY + timedelta(days=7)).code == "purchase"


def test_a_time_in_another_zone_falls_in_its_utc_window() -> None:
    # 01:00 in Berlin on Thursday is still Wednesday in UTC.
    berlin = WED.replace(hour=23).astimezone(timezone(timedelta(hours=1)))
    assert offers.window_start("day", berlin) == datetime(2026, 12, 9, tzinfo=UTC)
    assert offers.window_start("week", berlin) == MONDAY


def test_the_limit_is_checked_before_the_funds() -> None:
    shop = catalog(item(limit={"perPlayer": 1, "window": "lifetime"}))
    spent = after(rich(), buy(rich(), shop))
    broke = msgspec.structs.replace(spent, balances={})
    with pytest.raises(PurchaseLimitReached):
        buy(broke, shop)
    with pytest.raises(InsufficientFunds):
        buy(msgspec.structs.replace(rich(), balances={}), shop)


def test_an_unlimited_purchase_carries_the_counts_forward_unchanged() -> None:
    counts = TimedState(offers={"other": OfferCount(used=1)})
    assert buy(rich(counts), catalog(item())).timed == counts
    assert buy(rich(), catalog(item())).timed is None


def test_remaining_counts_only_the_current_window() -> None:
    limited = item(limit={"perPlayer": 5, "window": "day"})
    yesterday = OfferCount(used=5, window="day", window_start=datetime(2026, 12, 8, tzinfo=UTC))
    assert offers.remaining(limited, {"winter_pack": yesterday}, WED) == 5
    today = msgspec.structs.replace(yesterday, window_start=datetime(2026, 12, 9, tzinfo=UTC))
    assert offers.remaining(limited, {"winter_pack": today}, WED) == 0
    assert offers.remaining(item(), {}, WED) is None
    # A count kept under another window kind (the limit changed) is not this window's
    weekly = item(limit={"perPlayer": 5, "window": "week"})
    monday = OfferCount(used=5, window="day", window_start=MONDAY)
    assert offers.remaining(weekly, {"winter_pack": monday}, WED) == 5


@pytest.mark.parametrize(
    ("offer", "reason"),
    [
        (
            {"availableFrom": "2026-12-20T00:00:00Z", "availableUntil": "2026-12-01T00:00:00Z"},
            "item 'winter_pack': availableFrom must be before availableUntil",
        ),
        (
            {"availableUntil": "2026-12-20T00:00:00+01:00"},
            "item 'winter_pack': availableUntil must be in UTC (Z or +00:00)",
        ),
    ],
)
def test_the_catalog_refuses_a_window_that_is_not_one(offer: dict[str, str], reason: str) -> None:
    assert problems(catalog(item(**offer))) == [reason]


@pytest.mark.parametrize(
    "offer",
    [
        {"availableFrom": "2026-12-20T00:00:00"},  # no zone
        {"availableFrom": "soon"},
        {"limit": {"perPlayer": 0, "window": "day"}},
        {"limit": {"perPlayer": 1, "window": "month"}},
        {"limit": {"perPlayer": 1}},
    ],
)
def test_the_catalog_refuses_an_offer_of_the_wrong_shape(offer: dict[str, object]) -> None:
    with pytest.raises(msgspec.ValidationError):
        item(**offer)


def test_a_catalog_with_windows_and_limits_round_trips() -> None:
    shop = catalog(item(availableUntil="2026-12-20T00:00:00Z",
                        limit={"perPlayer": 1, "window": "week"}))  # fmt: skip
    encoded = msgspec.json.encode(shop)
    assert b'"availableUntil":"2026-12-20T00:00:00Z"' in encoded
    assert b'"limit":{"perPlayer":1,"window":"week"}' in encoded
    assert msgspec.json.decode(encoded, type=Catalog) == shop
    assert problems(shop) == []


@settings(max_examples=200, deadline=None)
@given(
    window=st.sampled_from(["lifetime", "day", "week"]),
    per_player=st.integers(1, 5),
    steps=st.lists(st.tuples(st.integers(0, 3 * 86400), st.integers(1, 4)), max_size=30),
)
def test_a_purchase_is_refused_exactly_when_it_would_go_over_its_windows_limit(
    window: str, per_player: int, steps: list[tuple[int, int]]
) -> None:
    shop = catalog(item(limit={"perPlayer": per_player, "window": window}))
    player, now = rich(), WED
    sold: Counter[datetime | None] = Counter()  # units sold per window start (the model)
    for wait, quantity in steps:
        now += timedelta(seconds=wait)
        start = offers.window_start(window, now)  # type: ignore[arg-type]
        fits = sold[start] + quantity <= per_player
        funded = msgspec.structs.replace(player, balances={"diamond": 10**9})
        if not fits:
            with pytest.raises(PurchaseLimitReached) as refused:
                buy(funded, shop, now, quantity)
            assert refused.value.context["used"] == sold[start]
            continue
        event = buy(funded, shop, now, quantity)
        sold[start] += quantity
        player = after(player, event)
    assert all(units <= per_player for units in sold.values())
