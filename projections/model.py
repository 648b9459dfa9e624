"""What every projection provides: a name, the tables it owns and how to apply a batch."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from infra.db import Conn
from infra.eventstore import StoredEvent

# Logical table name -> physical table: the live tables, or the shadows a rebuild fills.
Tables = Mapping[str, str]
Apply = Callable[[Conn, Sequence[StoredEvent], Tables], Awaitable[None]]


@dataclass(frozen=True)
class Projection:
    """A read model: `apply` folds a batch and writes it, set-based, into `tables`."""

    name: str
    tables: tuple[str, ...]
    apply: Apply

    def live(self) -> Tables:
        """The tables the queries read."""
        return {table: table for table in self.tables}

    def shadow(self) -> Tables:
        """The tables a rebuild fills before swapping them in."""
        return {table: f"{table}_shadow" for table in self.tables}


def sql(template: str, tables: Tables) -> str:
    """A statement with its table names filled in (names only: values always go as $n)."""
    return template.format_map(tables)
