"""The audit's limits check: purchases of a limited item counted per player and calendar window
from the log, against the limit of the catalog version each names and the count it carries."""

from datetime import UTC, datetime, timedelta

from domain.assets import Catalog, CatalogItem
from domain.details import PurchaseDetails
from domain.events import Transferred
from domain.offers import Limit, OfferCount
from domain.timed import TimedState
from projections.audit_limits import Limits

WED = datetime(2026, 12, 9, 15, 30, tzinfo=UTC)
DAY = datetime(2026, 12, 9, tzinfo=UTC)
DAILY = CatalogItem(code="chest", name="Chest", price=5, limit=Limit(per_player=1, window="day"))
CATALOGS = {1: Catalog(items=(DAILY,))}


def bought(used: int, at: datetime = WED, start: datetime = DAY, quantity: int = 1) -> Transferred:
    return Transferred(
        transfer_id="t",
        code="purchase",
        legs=(),
        state_after={},
        occurred_at=at,
        details=PurchaseDetails(item="chest", quantity=quantity, catalog_version=1, paid={}),
        timed=TimedState(offers={"chest": OfferCount(used=used, window="day", window_start=start)}),
    )


def test_one_purchase_a_day_for_two_days_holds() -> None:
    limits = Limits()
    assert limits.apply("p v2", "player:p", bought(1), CATALOGS) == []
    tomorrow = DAY + timedelta(days=1)
    assert limits.apply("p v3", "player:p", bought(1, tomorrow, tomorrow), CATALOGS) == []
    assert limits.apply("q v2", "player:q", bought(1), CATALOGS) == []  # another player's own


def test_a_second_purchase_in_one_day_is_found() -> None:
    limits = Limits()
    limits.apply("p v2", "player:p", bought(1), CATALOGS)
    found = limits.apply("p v3", "player:p", bought(2, WED + timedelta(hours=1)), CATALOGS)
    assert found == [
        "p v3: 2 'chest' bought in the day from 2026-12-09T00:00:00+00:00, the limit is 1"
    ]


def test_a_count_carried_on_the_stream_that_the_log_does_not_give_is_found() -> None:
    found = Limits().apply("p v2", "player:p", bought(0), CATALOGS)
    assert len(found) == 1
    assert "the log gives 1 in the day from 2026-12-09" in found[0]
