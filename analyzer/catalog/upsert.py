"""Set-based "find or create" for the catalog: one IN query per batch, executemany for what is missing.

Both engines: SQLite gets ``INSERT ... ON CONFLICT DO NOTHING``, MariaDB ``INSERT IGNORE`` — decided in
:func:`insert_ignore` only. Ids found are cached for the whole scan, so a known artist costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Insert, Select, Table, bindparam, select
from sqlalchemy.orm import Session

IN_CHUNK = 500
"""Keys per IN (...) query: well under SQLite's variable limit and MariaDB's packet size."""


def insert_ignore(table: Table, dialect: str) -> Insert:
    """An INSERT that skips rows colliding with a unique key, on either engine (the one dialect switch)."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.mysql import insert as mysql_insert

    return mysql_insert(table).prefix_with("IGNORE")


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert-or-ignore ``rows`` (dicts sharing their keys) with one DBAPI executemany."""
    if rows:
        names = tuple(rows[0])
        getter = itemgetter(*names)
        insert_tuples(
            session,
            table,
            names,
            [getter(row) for row in rows] if len(names) > 1 else [(row[names[0]],) for row in rows],
        )


def insert_tuples(
    session: Session, table: Table, names: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert-or-ignore ``rows`` (tuples of ``names``' values) with one DBAPI executemany.

    The statement is compiled once per table and column set and the rows go to the driver as tuples:
    SQLAlchemy's per-row parameter handling cost more than SQLite itself on a library scan. Values still
    pass through their types' bind processors (paths, datetimes, enums), and Python-side column defaults
    are evaluated once per call.
    """
    if not rows:
        return
    connection = session.connection()
    sql, order, processors, defaults = _compiled_insert(connection, table, names)
    if order == names and not any(name in processors for name in names):
        tuples: list[tuple[Any, ...]] = list(rows)  # the common case: values go to the driver as they are
    else:
        given = dict(zip(names, zip(*rows, strict=True), strict=True))
        columns: list[Sequence[Any]] = []
        for name in order:
            process = processors.get(name)
            if name in given:
                values = given[name]
                if process is None:
                    columns.append(values)
                elif values.count(values[0]) == len(values):  # one value for the batch (a status, now)
                    columns.append((process(values[0]),) * len(values))
                else:
                    columns.append(tuple(map(process, values)))
            else:
                value = defaults[name]()
                columns.append((process(value) if process else value,) * len(rows))
        tuples = list(zip(*columns, strict=True))
    params: list[Any] = (
        tuples if connection.dialect.positional else [dict(zip(order, t, strict=True)) for t in tuples]
    )
    connection.exec_driver_sql(sql, params)


_CompiledInsert = tuple[str, tuple[str, ...], dict[str, Callable[[Any], Any]], dict[str, Callable[[], Any]]]
_COMPILED: dict[tuple[Any, ...], _CompiledInsert] = {}


def _compiled_insert(connection: Connection, table: Table, columns: tuple[str, ...]) -> _CompiledInsert:
    dialect = connection.dialect
    translate = connection.get_execution_options().get("schema_translate_map") or {}
    key = (table.name, columns, dialect.name, id(dialect), tuple(sorted(translate.items(), key=repr)))
    if key not in _COMPILED:
        statement = insert_ignore(table, dialect.name).values({name: bindparam(name) for name in columns})
        compiled = statement.compile(
            dialect=dialect, schema_translate_map=translate, render_schema_translate=True
        )
        order = tuple(compiled.positiontup or compiled.params)
        processors: dict[str, Callable[[Any], Any]] = {}
        defaults: dict[str, Callable[[], Any]] = {}
        for name in order:
            # dialect_impl: a TypeDecorator's own bind_processor would skip its impl's dialect processing
            # (SQLite's DATETIME formatting), leaving the driver to adapt values its own way.
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = process
            if name not in columns:
                defaults[name] = _default_maker(table.c[name].default)
        _COMPILED[key] = (compiled.string, order, processors, defaults)
    return _COMPILED[key]


def _default_maker(default: Any) -> Callable[[], Any]:
    arg = getattr(default, "arg", None)
    if callable(arg):
        return lambda: arg(None)  # SQLAlchemy wraps column default callables to take a context
    return lambda: arg


def fetch_driver_rows(session: Session, statement: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a Core SELECT as the driver returns them (no type conversion), for bulk reads where
    SQLAlchemy's row handling is the cost. Only for columns whose stored form is what the caller wants."""
    connection = session.connection()
    translate = connection.get_execution_options().get("schema_translate_map") or {}
    compiled = statement.compile(
        dialect=connection.dialect, schema_translate_map=translate, render_schema_translate=True
    )
    params = compiled.construct_params()
    bound: Any = (
        tuple(params[name] for name in compiled.positiontup or ())
        if connection.dialect.positional
        else params
    )
    cursor = connection.connection.cursor()  # the transaction's own DBAPI connection
    try:
        cursor.execute(compiled.string, bound)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def select_in(
    session: Session, table: Table, names: Sequence[str], column: str, values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Rows of ``names`` of ``table`` WHERE ``column`` IN ``values``, run through the driver (no row
    objects).

    The SQL is compiled once per column set and size bucket (``values`` are padded with their last one to
    a power of two), so a batch's lookups skip SQLAlchemy's per-literal coercion and IN expansion; the
    columns read must be ones whose stored form is what the caller wants (ids, text, integers)."""
    if not values:
        return []
    connection = session.connection()
    size = max(8, 1 << (len(values) - 1).bit_length())
    sql, positional, process = _compiled_select_in(connection, table, tuple(names), column, size)
    padded = [*values, *(values[-1],) * (size - len(values))]
    if process is not None:
        padded = [process(value) for value in padded]
    params: Any = padded if positional else {f"v{i}": value for i, value in enumerate(padded)}
    cursor = connection.connection.cursor()  # the transaction's own DBAPI connection
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


_SELECT_IN: dict[tuple[Any, ...], tuple[str, bool, Callable[[Any], Any] | None]] = {}


def _compiled_select_in(
    connection: Connection, table: Table, names: tuple[str, ...], column: str, size: int
) -> tuple[str, bool, Callable[[Any], Any] | None]:
    dialect = connection.dialect
    translate = connection.get_execution_options().get("schema_translate_map") or {}
    key = (table.name, names, column, size, id(dialect), tuple(sorted(translate.items(), key=repr)))
    found = _SELECT_IN.get(key)
    if found is None:
        statement = select(*(table.c[name] for name in names))
        where = statement.where(table.c[column].in_([bindparam(f"v{i}") for i in range(size)]))
        compiled = where.compile(
            dialect=dialect, schema_translate_map=translate, render_schema_translate=True
        )
        order = tuple(compiled.positiontup or ())
        assert not dialect.positional or order == tuple(f"v{i}" for i in range(size)), order
        process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        found = _SELECT_IN[key] = (compiled.string, bool(dialect.positional), process)
    return found


def chunked(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class IdCache:
    """Ids of one table's rows by a natural key (a column, or several), filled a batch at a time.

    ``key_columns`` form the key; ``lookup_column`` is the one used in the IN query (the first key column
    by default). Keys the database matches only under its collation (MariaDB's accent/case-insensitive
    compare) are found by a one-row query each, so a colliding spelling still resolves to its row.
    """

    def __init__(self, table: Table, key_columns: Sequence[str]) -> None:
        self.table = table
        self.columns: list[Column[Any]] = [table.c[name] for name in key_columns]
        self.ids: dict[Hashable, int] = {}
        self._names = ("id", *key_columns)

    def key_of(self, row: Sequence[Any]) -> Hashable:
        return row[0] if len(self.columns) == 1 else tuple(row)

    def resolve(
        self,
        session: Session,
        wanted: dict[Hashable, dict[str, Any]],
        on_created: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> dict[Hashable, int]:
        """Ids for every key in ``wanted`` (key -> row to insert when missing); inserts what is missing."""
        missing = [key for key in wanted if key not in self.ids]
        if missing:
            self._load(session, missing)
            new_rows = [wanted[key] for key in missing if key not in self.ids]
            if new_rows:
                insert_rows(session, self.table, new_rows)
                still = [key for key in missing if key not in self.ids]
                self._load(session, still)
                for key in still:
                    if key not in self.ids:
                        self._load_one(session, key)
                if on_created is not None:
                    on_created(new_rows)
        return {key: self.ids[key] for key in wanted}

    def _load(self, session: Session, keys: list[Hashable]) -> None:
        lookup = sorted({key[0] if isinstance(key, tuple) else key for key in keys}, key=repr)
        wanted = set(keys)
        single = len(self.columns) == 1
        for chunk in chunked(lookup):
            for row in select_in(session, self.table, self._names, self._names[1], chunk):
                key = row[1] if single else tuple(row[1:])
                if key in wanted:
                    self.ids[key] = row[0]

    def _load_one(self, session: Session, key: Hashable) -> None:
        values = key if isinstance(key, tuple) else (key,)
        condition = [column == value for column, value in zip(self.columns, values, strict=True)]
        found = session.execute(select(self.table.c.id).where(*condition).limit(1)).scalar()
        if found is None:
            raise LookupError(f"{self.table.name}: no row for {key!r} after insert")
        self.ids[key] = found
