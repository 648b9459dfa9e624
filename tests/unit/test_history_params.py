"""The query parameters of the past: RFC 3339 times and meta.KEY=VALUE filters."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from litestar.exceptions import HTTPException

from api.http.filters import history_filter, meta_filters, rfc3339


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T12:00:00Z", datetime(2026, 12, 1, 12, tzinfo=UTC)),
        ("2026-12-01t12:00:00.5z", datetime(2026, 12, 1, 12, 0, 0, 500_000, tzinfo=UTC)),
        (
            "2026-12-01 14:00:00+02:00",
            datetime(2026, 12, 1, 14, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_rfc3339_times_are_read_with_their_zone(text: str, expected: datetime) -> None:
    assert rfc3339(text) == expected


@pytest.mark.parametrize(
    "text", ["2026-12-01T12:00:00", "2026-12-01", "2026-02-30T00:00:00Z", "now", "1764590400"]
)
def test_anything_else_is_not_a_time(text: str) -> None:
    assert rfc3339(text) is None


def test_meta_parameters_become_one_containment_filter() -> None:
    pairs = [("meta.matchId", "m1"), ("limit", "5"), ("meta.shop", "event"), ("metadata", "x")]
    assert meta_filters(pairs) == {"matchId": "m1", "shop": "event"}


@pytest.mark.parametrize(
    ("pairs", "said"),
    [
        ([("meta.", "x")], "names no possible metadata key"),
        ([("meta.a-b", "x")], "names no possible metadata key"),
        ([("meta.k", "x" * 257)], "longer than 256"),
        ([("meta.k", "1"), ("meta.k", "2")], "twice with different values"),
        ([(f"meta.k{i}", "v") for i in range(17)], "at most 16"),
    ],
)
def test_bad_meta_parameters_are_refused_naming_them(
    pairs: list[tuple[str, str]], said: str
) -> None:
    with pytest.raises(HTTPException) as refused:
        meta_filters(pairs)
    assert said in refused.value.extra["error"]  # type: ignore[call-overload,index]


def test_to_must_come_after_from() -> None:
    with pytest.raises(HTTPException):
        history_filter(
            code=None,
            asset=None,
            since="2026-12-02T00:00:00Z",
            until="2026-12-02T00:00:00Z",
            pairs=[],
        )
