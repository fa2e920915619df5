"""Model rows read with hand-written SQL: the columns to select, and the database's values turned
into Python values (the ORM's own converters: booleans, decimals and datetimes on SQLite, UUIDs)
and, where asked, into model instances (`Model.from_db`, as the ORM builds them).

The ORM spends most of a small read compiling its SQL; the cart read (cart_read.py) and the
catalogue cache (catalogue_cache.py) keep their SQL as text and only convert what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

Converter = Callable[[Any, Any, Any], Any]


class Columns:
    """Fields of one model under a table alias: `sql` lists them for a SELECT, `values` converts a
    slice of a result row, `instance` builds the model (None when a LEFT JOIN found no row).
    Fields not listed stay deferred on the instance: never read them."""

    def __init__(self, model: type[Model], alias: str, names: Sequence[str] = ()) -> None:
        meta = model._meta
        self.model = model
        self.alias = alias
        self.fields = [meta.get_field(n) for n in names] if names else list(meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self._pk_index = self.attnames.index(meta.pk.attname) if meta.pk.attname in self.attnames else None
        self._converters: dict[str, list[tuple[int, Any, list[Converter]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)

    def _for(self, conn: BaseDatabaseWrapper) -> list[tuple[int, Any, list[Converter]]]:
        # per database alias: converters come from the backend (its timezone, its decimal contexts),
        # the same for every connection of that alias
        found = self._converters.get(conn.alias)
        if found is None:
            found = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                converters = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
                if converters:
                    found.append((i, col, converters))
            self._converters[conn.alias] = found
        return found

    def values(self, conn: BaseDatabaseWrapper, raw: Sequence[Any], start: int = 0) -> list[Any]:
        """This model's values from `raw` (a row `conn` answered), from column `start`, converted.
        `conn` is the cursor's own connection (`cursor.db`): the `connection` proxy costs a
        thread-local lookup per use."""
        values = list(raw[start : start + len(self.fields)])
        for i, col, converters in self._for(conn):
            value = values[i]
            for convert in converters:
                value = convert(value, col, conn)
            values[i] = value
        return values

    def instance(self, conn: BaseDatabaseWrapper, raw: Sequence[Any], start: int = 0) -> Model | None:
        values = self.values(conn, raw, start)
        if self._pk_index is not None and values[self._pk_index] is None:
            return None
        return self.model.from_db(conn.alias, self.attnames, values)
