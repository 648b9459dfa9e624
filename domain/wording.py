"""How a refusal's detail puts lists and amounts in words: `a, b and c`, `20 Diamonds and 150
Stars`, each asset by its catalog name (`HasNames`), or by its code where a decision is made
without the catalog (`NO_NAMES`)."""

from collections.abc import Iterable, Mapping
from typing import Protocol


def listed(words: Iterable[str]) -> str:
    """Words as a person lists them: `a`, `a and b`, `a, b and c`."""
    *rest, last = list(words) or [""]
    return f"{', '.join(rest)} and {last}" if rest else last


def amounts(units: Mapping[str, int], names: Mapping[str, str]) -> str:
    """Amounts per asset code in words, each asset by its name where `names` has one:
    `{"diamond": 20, "star": 150}` -> `20 Diamonds and 150 Stars`."""
    return listed(f"{n} {names.get(code, code)}" for code, n in units.items())


class HasNames(Protocol):
    """What names assets for a person: the catalog."""

    def names(self) -> dict[str, str]: ...


class _NoNames:
    """Assets named by their codes (a decision made without the catalog)."""

    def names(self) -> dict[str, str]:
        return {}


NO_NAMES = _NoNames()


def short_of(what: str, asset: str, amount: int, balance: int, catalog: HasNames) -> str:
    """`The gift is 999 Stars, but the balance is 40 Stars.`, each asset by its catalog name."""
    names = catalog.names()
    need, have = amounts({asset: amount}, names), amounts({asset: balance}, names)
    return f"{what} {need}, but the balance is {have}."
