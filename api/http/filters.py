"""Query parameters of the reads over the past: history filters and points in time.

`from`, `to` and `at` are RFC 3339 timestamps (a zone is required: `Z` or `+02:00`);
`meta.KEY=VALUE` follows the rules of a write's metadata (domain/metadata.py).
"""

import re
from collections.abc import Iterable
from datetime import datetime

from litestar.exceptions import HTTPException

from api.http.problems import problem
from domain.metadata import KEY_PATTERN, MAX_KEYS, MAX_VALUE_LENGTH
from projections.history_query import HistoryFilter

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
_KEY = re.compile(KEY_PATTERN)
META = "meta."
TIME_EXAMPLE = "2026-12-01T12:00:00Z"


def invalid(name: str, error: str, **extra: object) -> HTTPException:
    """A 400 problem naming the query parameter at fault."""
    return problem(
        400,
        "invalid-query",
        "A query parameter is invalid",
        error,
        {"parameter": name, **extra},
        error=error,
    )


def rfc3339(text: str) -> datetime | None:
    """An RFC 3339 time as an aware datetime, or None when `text` is not one."""
    if not _RFC3339.match(text):
        return None
    try:
        return datetime.fromisoformat(text.upper().replace(" ", "T"))
    except ValueError:  # shaped like a time, but no such date (2026-02-30)
        return None


def timestamp(name: str, text: str | None) -> datetime | None:
    """An RFC 3339 query parameter as an aware datetime (None when absent)."""
    if text is None:
        return None
    parsed = rfc3339(text)
    if parsed is None:
        raise invalid(name, f"{name} must be an RFC 3339 time with a zone, e.g. {TIME_EXAMPLE}.")
    return parsed


def meta_filters(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The `meta.KEY=VALUE` parameters as one containment filter."""
    wanted: dict[str, str] = {}
    for name, value in pairs:
        if not name.startswith(META):
            continue
        key = name[len(META) :]
        if not _KEY.match(key):
            raise invalid(
                name,
                f"{name} names no possible metadata key: a key is a letter, then up to 31 "
                "letters, digits or '_'.",
            )
        if len(value) > MAX_VALUE_LENGTH:
            raise invalid(name, f"{name} is longer than {MAX_VALUE_LENGTH} characters.")
        if key in wanted and wanted[key] != value:
            raise invalid(name, f"{name} is given twice with different values.")
        wanted[key] = value
    if len(wanted) > MAX_KEYS:
        raise invalid(META + "*", f"at most {MAX_KEYS} meta.KEY filters are allowed.")
    return wanted


def history_filter(
    *,
    code: str | None,
    asset: str | None,
    since: str | None,
    until: str | None,
    pairs: Iterable[tuple[str, str]],
) -> HistoryFilter:
    """The filters of GET /history, or a 400 problem naming the parameter at fault."""
    start, end = timestamp("from", since), timestamp("to", until)
    if start is not None and end is not None and start >= end:
        raise invalid("to", "to must be later than from (from is inclusive, to exclusive).")
    return HistoryFilter(code=code, asset=asset, since=start, until=end, meta=meta_filters(pairs))
