"""What every projection provides: a name, the tables it owns and how to apply a batch; and the
one way a batch reaches a table (`Table`: a statement with one array parameter per column, or
COPY where every row is new)."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Any, NamedTuple

import msgspec

from infra.db import Conn
from infra.eventstore import StoredEvent

# Logical table name -> physical table: the live tables, or the shadows a rebuild fills.
Tables = Mapping[str, str]
Apply = Callable[[Conn, Sequence[StoredEvent], Tables], Awaitable[None]]


class Target(NamedTuple):
    """Where a projector writes: its checkpoint's row and its tables."""

    checkpoint: str
    tables: Tables


@dataclass(frozen=True)
class Projection:
    """A read model: `apply` folds a batch and writes it, set-based, into `tables`."""

    name: str
    tables: tuple[str, ...]
    apply: Apply

    def live(self) -> Target:
        """The tables the queries read, on the projector's own checkpoint."""
        return Target(self.name, {table: table for table in self.tables})

    def shadow(self) -> Target:
        """The tables a rebuild fills before swapping them in, on a checkpoint of their own."""
        return Target(f"{self.name}.shadow", {table: f"{table}_shadow" for table in self.tables})


def sql(template: str, tables: Tables) -> str:
    """A statement with its table names filled in (names only: values always go as $n)."""
    return template.format_map(tables)


_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class Table:
    """A read-model table written a batch at a time: `columns` ("name type, ...", in parameter
    order) go as one array each, unnested into rows; `conflict` is what a row whose key is
    already there does (the table is aliased `t`). A jsonb column's values go as JSON text.

    A table without `conflict` only ever receives rows whose key is new: its projection folds
    each event exactly once, in the transaction that moves its checkpoint, and no one else
    writes it. Its rows go by COPY, which costs less on both sides than the unnested arrays
    (issue 22, session 12); a key that is already there fails the batch, loudly, as the bug it
    would be."""

    name: str
    columns: str
    conflict: str | None

    @cached_property
    def _typed(self) -> list[tuple[str, str]]:
        return [(name, kind) for name, kind in map(str.split, self.columns.split(","))]

    @cached_property
    def names(self) -> list[str]:
        """The columns' names, in parameter order."""
        return [name for name, _ in self._typed]

    @cached_property
    def statement(self) -> str:
        """The INSERT of a batch's rows (the table's name still a {placeholder})."""
        names = ", ".join(self.names)
        arrays = ", ".join(f"${n}::{kind}[]" for n, (_, kind) in enumerate(self._typed, 1))
        into = f"INSERT INTO {{{self.name}}} AS t ({names})"
        return f"{into}\nSELECT * FROM unnest({arrays})\n{self.conflict}"

    async def write(self, conn: Conn, rows: Sequence[Any], tables: Tables) -> None:
        """The rows in one statement, in their order (sort them: a stable lock order)."""
        if not rows:
            return
        if self.conflict is None:
            table = tables[self.name]
            await conn.copy_records_to_table(table, records=self.records(rows), columns=self.names)
        else:
            await conn.execute(sql(self.statement, tables), *self.arrays(rows))

    def arrays(self, rows: Sequence[Any]) -> list[list[Any]]:
        """One array per column, in the rows' order (rows as `tuples` takes them)."""
        columns = zip(*self.tuples(rows), strict=True)
        return [
            [_json(value) for value in values] if kind == "jsonb" else list(values)
            for values, (_, kind) in zip(columns, self._typed, strict=True)
        ]

    def records(self, rows: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows as tuples in column order, their values as `arrays` sends them (COPY)."""
        return list(zip(*self.arrays(rows), strict=True))

    def tuples(self, rows: Sequence[Any]) -> Sequence[tuple[Any, ...]]:
        """Each row's values in column order: a tuple row holds them so already, a dict row
        by column name; any other row has them as its attributes."""
        if isinstance(rows[0], tuple):
            return rows
        if isinstance(rows[0], dict):
            return [tuple(map(row.get, self.names)) for row in rows]
        return list(map(self._attributes, rows))

    @cached_property
    def _attributes(self) -> Callable[[Any], tuple[Any, ...]]:
        get = attrgetter(*self.names)
        return get if len(self.names) > 1 else lambda row: (get(row),)


def _json(value: Any) -> str | None:
    return None if value is None else _encode(value).decode()


def newest_wins(key: str, *, kept: str, newest: str) -> str:
    """The conflict clause of a row folded from a stream in batches, in any order: the `kept`
    columns (what the stream's first event brings) keep the value already there, the `newest`
    ones (what its latest event says) come from the row with the higher version."""
    sets = [f"{c} = coalesce(t.{c}, EXCLUDED.{c})" for c in _names(kept)]
    sets += [
        f"{c} = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.{c} ELSE t.{c} END"
        for c in _names(newest)
    ]
    sets.append("version = greatest(t.version, EXCLUDED.version)")
    return f"ON CONFLICT ({key}) DO UPDATE SET\n    " + ",\n    ".join(sets)


def _names(columns: str) -> list[str]:
    return [column.split()[0] for column in columns.split(",")]  # "name" or "name type"
