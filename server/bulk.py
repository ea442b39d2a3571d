"""Driver-level reads and writes for the server's hot path (a push batch): one statement per table per batch, on the
connection of the batch's transaction, without SQLAlchemy's per-statement compiling or per-value result processing.

- A batch's keys travel as one parameter: on SQLite a JSON array unpacked by `json_each` (the planner probes the
  column's index once per key), on PostgreSQL a typed array compared with `= ANY(…)`. SQLAlchemy's expanding `IN`
  rendered 500 bound parameters into the SQL on every call, which cost more than the lookups it asked for.
- Rows are inserted and updated with the driver's own `executemany` (SQLite), or on PostgreSQL by one statement per
  table reading all its rows by position from one jsonb parameter (written by orjson straight from the tuples), the
  batch's writes queued and sent together in one pipeline (`flush`): one round trip for them all. Before, COPY took
  two round trips a table and the member update's temporary staging table six, an ANALYZE and a TRUNCATE of it
  (catalog writes) among them, on every batch (docs/performance.md, "The PostgreSQL push").
- Values are turned into what the columns store here: on SQLite by `column_converters` (aware datetimes as
  SQLAlchemy's naive UTC text, `sqlite_time`; any other column type that needs it through its dialect's own bind
  processor; JSON by orjson), on PostgreSQL by the statement itself (`_json_columns`); read back aware.

Only our own table and column names are ever put into the SQL text; values always travel as parameters.

Thread: the API's worker threads; one `Bulk` per transaction. The converters also serve the demo data's encoder (in
its generator process).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Date, Dialect, Table
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from server.models import UtcDateTime

Converter = Callable[[Any], Any]


def naive_utc(value: datetime | None) -> datetime | None:
    """An aware datetime as PostgreSQL's `timestamp without time zone` holds it (naive UTC), as `UtcDateTime`."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the server database")
    if value.utcoffset():
        value = value.astimezone(UTC)
    return datetime.combine(value.date(), value.time())  # `replace(tzinfo=None)`, at a third of its cost


def sqlite_time(value: datetime | None) -> str | None:
    """An aware datetime as the text SQLAlchemy's SQLite DateTime stores for it through `UtcDateTime`: naive UTC with
    microseconds, `2026-03-18 02:00:00.000000` (`tests/server/test_bulk.py` pins it against what the ORM writes).
    The server's one such conversion: bulk writes and the demo data's encoder use it."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        offset = value.utcoffset()
        if offset is None:
            raise ValueError("naive datetime given to the server database")
        if offset:
            value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # less its "+00:00": no naive copy made on the way


def _aware_from_text(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value + "+00:00")


def _aware_from_naive(value: datetime | None) -> datetime | None:
    return None if value is None else datetime.combine(value.date(), value.time(), UTC)


_CONVERTERS: dict[tuple[str, str, tuple[str, ...]], list[Converter | None]] = {}


def column_converters(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> list[Converter | None]:
    """For each of `table`'s `columns`, what turns a value into what that column stores on this database, as
    SQLAlchemy would bind it (None: the driver takes the value as it is): aware datetimes by `sqlite_time` or
    `naive_utc`, any other type by its dialect's own bind processor. Worked out once per table and columns; bulk
    writes and the demo data's SQLite encoder use them."""
    key = (dialect.name, table.name, columns)
    found = _CONVERTERS.get(key)
    if found is None:
        found = _CONVERTERS[key] = [_converter(table.c[name].type, dialect) for name in columns]
    return found


def _converter(column_type: TypeEngine[Any], dialect: Dialect) -> Converter | None:
    sqlite = dialect.name == "sqlite"
    if isinstance(column_type, UtcDateTime):
        return sqlite_time if sqlite else naive_utc
    # SQLite's booleans and dates by hand too: SQLAlchemy's processors (a strictness check, %-formatting) cost about
    # twice as much, and the demo data encodes millions of them. `tests/server/test_bulk.py` keeps them equal.
    if sqlite and isinstance(column_type, Boolean):
        return _sqlite_bool
    if sqlite and isinstance(column_type, Date):
        return _sqlite_date
    if sqlite and isinstance(column_type, JSON):
        return _sqlite_json  # orjson, not `json.dumps`: a push stores each sale's lines as JSON (~12 objects)
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def read_date(value: object) -> date | None:
    """A stored date as read back: SQLite's text or the PostgreSQL driver's date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _sqlite_json(value: Any) -> str:
    """A JSON column's value as its text (Python's None as JSON `null`, as SQLAlchemy's JSON type stores it).
    Non-ASCII text is written as UTF-8 where `json.dumps` escapes it: the same value when read."""
    return orjson.dumps(value).decode()


class Bulk:
    """Reads and writes of whole batches on one transaction's connection (SQLite or PostgreSQL)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.sqlite = self.dialect.name == "sqlite"
        self.mark = "?" if self.sqlite else "%s"
        #: A stored datetime (SQLite's text, PostgreSQL's naive UTC) as an aware datetime, and back.
        self.read_time: Callable[[Any], Any] = _aware_from_text if self.sqlite else _aware_from_naive
        self.stored_time: Callable[[datetime | None], Any] = sqlite_time if self.sqlite else naive_utc
        self._queued: list[tuple[str, tuple[Any, ...]]] = []  # PostgreSQL: writes not sent yet (`flush`)

    # -- reads ------------------------------------------------------------------------------------------------------

    def in_keys(self, column: str, values: Iterable[str | int], sql_type: str = "varchar") -> tuple[str, list[Any]]:
        """`column` is one of `values`: the SQL to put in a WHERE clause and its parameters, to go first."""
        listed = list(values)
        if not self.sqlite:
            return f"{column} = ANY(%s::{sql_type}[])", [listed]
        if any(isinstance(value, str) and "\x00" in value for value in listed):
            # SQLite's JSON functions cut a string at NUL, and ids are any text: such a batch binds each key.
            return f"{column} IN ({', '.join('?' for _ in listed) or 'NULL'})", listed
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(listed, ensure_ascii=False)]  # noqa: S608

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a query written with `mark` placeholders and `in_keys`, as the driver gives them: tuples
        straight from the driver's cursor, on the transaction's own connection (a SQLAlchemy row object per row cost
        the nightly refresh a tenth of its time at 1,000,000 members)."""
        self.flush()
        driver = self.connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            cursor.execute(sql, tuple(parameters))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    # -- writes -----------------------------------------------------------------------------------------------------
    #
    # On PostgreSQL a write is queued, not sent: `flush` sends every queued write in one pipeline and waits once for
    # them all (and raises the first one's error). Whoever runs a statement of its own on the transaction between
    # writes flushes first, so the database sees them in order; `rows` does it itself.

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> None:
        """A write whose result is not read, written with `mark` placeholders (queued on PostgreSQL)."""
        if self.sqlite:
            self.connection.exec_driver_sql(sql, tuple(parameters))
        else:
            self._queued.append((sql, tuple(parameters)))

    def flush(self) -> None:
        """PostgreSQL: send the queued writes, in order, in one pipeline, and return once the database has done them
        all: one round trip for a batch's writes, where each statement waited for its own answer. On a machine whose
        cores are busy every round trip costs a wake-up of the database's process and one of ours."""
        if not self._queued:
            return
        queued, self._queued = self._queued, []
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with driver.pipeline(), driver.cursor() as cursor:
            for sql, parameters in queued:
                cursor.execute(sql, parameters)

    def _stored(self, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        converters = column_converters(self.dialect, table, columns)
        if not rows or not any(converters):
            return rows
        # Column by column, each distinct value converted once (a batch's rows share many: its time, its members'
        # times), the rows taken apart and put together again by zip: a loop per row and value cost 3 ms a batch.
        stored: list[Sequence[Any]] = []
        for values, convert in zip(zip(*rows, strict=True), converters, strict=True):
            if convert is None:
                stored.append(values)
                continue
            try:
                memo = {value: convert(value) for value in set(values)}
            except TypeError:  # a value that cannot be hashed (a list for a JSON column)
                stored.append([convert(value) for value in values])
            else:
                stored.append(list(map(memo.__getitem__, values)))
        return list(zip(*stored, strict=True))

    def insert(self, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """`INSERT INTO table (columns)` every row, in one call (queued on PostgreSQL)."""
        if not rows:
            return
        names = ", ".join(columns)
        if not self.sqlite:
            select = _json_columns(self.dialect, table, columns)
            sql = f"INSERT INTO {table.name} ({names}) SELECT {select} FROM {_JSON_ROWS}"  # noqa: S608 - our own names
            self.execute(sql, (_json_rows(self.dialect, table, columns, rows),))
            return
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 - our own table's names
        self.connection.exec_driver_sql(sql, self._stored(table, columns, rows))

    def update(self, table: Table, columns: tuple[str, ...], key: str, rows: list[tuple[Any, ...]]) -> None:
        """`UPDATE table SET columns WHERE key = …`, each row being the columns' values then the key's (queued on
        PostgreSQL)."""
        if not rows:
            return
        names = (*columns, key)
        if not self.sqlite:
            assignments = ", ".join(f"{name} = v.{name}" for name in columns)
            values = f"(SELECT {_json_columns(self.dialect, table, names)} FROM {_JSON_ROWS}) AS v"  # noqa: S608 - our own names
            sql = f"UPDATE {table.name} SET {assignments} FROM {values} WHERE {table.name}.{key} = v.{key}"  # noqa: S608
            self.execute(sql, (_json_rows(self.dialect, table, names, rows),))
            return
        assignments = ", ".join(f"{name} = ?" for name in columns)
        sql = f"UPDATE {table.name} SET {assignments} WHERE {key} = ?"  # noqa: S608 - our own names
        self.connection.exec_driver_sql(sql, self._stored(table, names, rows))


# PostgreSQL's bulk writes read their rows from one parameter: a JSON array of rows, each an array of the columns'
# values in order, written by orjson straight from the row tuples (no Python work per row or value: a batch of 250
# sales with their ~3,000 purchase lines used to spend ~20 ms of the writer's time converting and regrouping values).
# jsonb, so that each value is found by its position without parsing the row again.
_JSON_ROWS = "jsonb_array_elements(%s::jsonb) AS r"
_JSON_SQL: dict[tuple[str, tuple[str, ...]], tuple[str, list[int]]] = {}


def _json_columns(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    """The select list turning a JSON row `r` into these columns' values. Times travel as orjson writes an aware
    datetime (ISO 8601 with its offset) and are read as `timestamptz`, then taken to naive UTC as `UtcDateTime`
    stores them; a JSON column's value is the JSON itself (through jsonb: an object's keys come back sorted, as
    their order never counts here); any other value is cast from its text to the column's type
    without a length (an assignment to a VARCHAR(n) then refuses a longer value, where a cast would cut it)."""
    return _json_sql(dialect, table, columns)[0]


def _json_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[str, list[int]]:
    key = (table.name, columns)
    found = _JSON_SQL.get(key)
    if found is None:
        expressions, times = [], []
        for position, name in enumerate(columns):
            column_type = table.c[name].type
            if isinstance(column_type, UtcDateTime):
                times.append(position)
                expressions.append(f"((r->>{position})::timestamptz AT TIME ZONE 'UTC') AS {name}")
            elif isinstance(column_type, JSON):
                expressions.append(f"(r->{position})::json AS {name}")
            else:
                base = column_type.compile(dialect=dialect).split("(")[0]
                expressions.append(f"(r->>{position})::{base} AS {name}")
        found = _JSON_SQL[key] = (", ".join(expressions), times)
    return found


def _json_rows(dialect: Dialect, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """The rows as the JSON `_json_columns` reads. A naive datetime is refused, as `naive_utc` refuses it (orjson
    would write it without an offset, read in the session's time zone)."""
    for position in _json_sql(dialect, table, columns)[1]:
        if any(row[position] is not None and row[position].tzinfo is None for row in rows):
            raise ValueError("naive datetime given to the server database")
    return orjson.dumps(rows).decode()
