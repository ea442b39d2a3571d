"""Bulk writes store a time exactly as the ORM stores it: `sqlite_time` (SQLite's text) and `naive_utc` (PostgreSQL's
naive UTC), the server's one conversion each, checked against rows the ORM itself wrote (SQLite and PostgreSQL); and
every column's converter gives what SQLAlchemy itself would bind."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from psycopg.types.json import Json
from pydantic import AwareDatetime, TypeAdapter
from sqlalchemy import JSON, Boolean, Date, Dialect, Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg

from server.bulk import Bulk, column_converters, naive_utc, sqlite_time
from server.db import ServerDatabase
from server.models import AdminLog, Base, ConflictingItem, PushedItem, UtcDateTime

_ADMIN_LOG: Table = AdminLog.__table__  # type: ignore[assignment]
_PUSHED: Table = PushedItem.__table__  # type: ignore[assignment]
_CONFLICTS: Table = ConflictingItem.__table__  # type: ignore[assignment]
TIMES = (
    datetime(2026, 3, 18, 2, 0, tzinfo=UTC),  # whole seconds: still six digits of microseconds
    datetime(2026, 3, 18, 2, 0, 0, 123456, tzinfo=UTC),
    datetime(2026, 3, 18, 10, 0, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai")),  # another zone: stored as UTC
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),  # into the next year in UTC
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),  # a three-digit year, padded
    TypeAdapter(AwareDatetime).validate_python("2026-03-18T02:00:00.5+00:00"),  # the wire's times (pydantic's zone)
)


def test_stored_times_are_what_the_orm_stores(db: ServerDatabase) -> None:
    with db.write() as session:
        session.add_all(AdminLog(at=at, action=f"time-{n}") for n, at in enumerate(TIMES))
    with db.engine.connect() as connection:
        stored: dict[str, datetime] = {
            action: at for action, at in connection.execute(select(AdminLog.action, AdminLog.at))
        }
        bulk = Bulk(connection)
        raw = dict(bulk.rows(f"SELECT action, at FROM admin_log WHERE action LIKE {bulk.mark}", ["time-%"]))
        (convert,) = column_converters(connection.dialect, _ADMIN_LOG, ("at",))
    assert convert is not None
    assert len(raw) == len(TIMES)
    for n, at in enumerate(TIMES):
        written = raw[f"time-{n}"]  # what the ORM's UtcDateTime stored, as the driver hands it over
        assert bulk.stored_time(at) == written
        assert convert(at) == written
        assert (sqlite_time if db.is_sqlite else naive_utc)(at) == written
        assert bulk.read_time(written) == at == stored[f"time-{n}"]
    if db.is_sqlite:
        assert raw["time-0"] == "2026-03-18 02:00:00.000000"
        assert raw["time-2"] == "2026-03-18 02:00:00.000005"


def test_a_naive_time_is_refused_as_the_orm_refuses_it() -> None:
    naive = datetime(2026, 3, 18, 2, 0)
    for convert in (sqlite_time, naive_utc):
        with pytest.raises(ValueError, match="naive"):
            convert(naive)
    assert sqlite_time(None) is None and naive_utc(None) is None


_SAMPLES: tuple[tuple[type, tuple[Any, ...]], ...] = (
    (UtcDateTime, (*TIMES, None)),
    (Date, (date(1990, 2, 3), date(999, 1, 2), None)),
    (Boolean, (True, False, None)),
    (JSON, ([], ["高复购", "周末客"], {"rules": 1})),
)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), psycopg.dialect()], ids=["sqlite", "postgres"])
def test_every_column_converter_binds_what_sqlalchemy_binds(dialect: Dialect) -> None:
    """Bulk writes and the demo data's encoder store each value exactly as the ORM would, for every column (a JSON
    column on SQLite: the same JSON value, written by orjson, UTF-8 where `json.dumps` escapes)."""
    for table in Base.metadata.sorted_tables:
        names = tuple(table.c.keys())
        for column, convert in zip(table.columns, column_converters(dialect, table, names), strict=True):
            processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is None:
                assert processor is None, column
                continue
            assert processor is not None, column
            samples = next(values for kind, values in _SAMPLES if isinstance(column.type, kind))
            for value in samples:
                if dialect.name == "sqlite" and isinstance(column.type, JSON):
                    assert json.loads(convert(value)) == json.loads(processor(value)) == value, (column, value)
                    continue
                assert _unwrapped(convert(value)) == _unwrapped(processor(value)), (column, value)


def _unwrapped(bound: Any) -> Any:
    """psycopg's JSON parameter wrapper compares by identity; what it carries is what counts."""
    return bound.obj if isinstance(bound, Json) else bound


_PUSHED_COLUMNS = ("id", "device_id", "till_seq", "type", "body_hash", "status", "reason", "member", "received_at")
_CONFLICT_COLUMNS = ("item_id", "device_id", "till_seq", "type", "body", "received_at")


def test_bulk_writes_store_every_value_as_given(db: ServerDatabase) -> None:
    """Inserts and updates (on PostgreSQL one statement per table from a JSON parameter, sent in one pipeline) keep
    times, NULLs, big integers, non-ASCII text and JSON values exactly."""
    at = datetime(2026, 3, 18, 2, 0, 0, 123456, tzinfo=UTC)
    rows = [
        (f"item-{n}", "till-1", 2**62 - n, "point_entry", "ab" * 32, "applied", None, "会员-ü'\"\\", TIMES[n])
        for n in range(len(TIMES))
    ]
    body = {"kind": "earn", "名字": "王小明", "nested": [1, None, True, {"a": "\\n"}]}
    with db.write() as session:
        bulk = Bulk(session.connection())
        bulk.insert(_PUSHED, _PUSHED_COLUMNS, rows)
        bulk.insert(_CONFLICTS, _CONFLICT_COLUMNS, [("item-0", "till-1", 7, "point_entry", body, at)])
        bulk.update(_PUSHED, ("status", "reason", "received_at"), "id", [("flagged", "over_cap", at, "item-1")])
        bulk.flush()
    with db.read() as session:
        stored = {item.id: item for item in session.scalars(select(PushedItem))}
        conflict = session.scalars(select(ConflictingItem)).one()
    assert len(stored) == len(TIMES)
    for n, row in enumerate(rows):
        item = stored[f"item-{n}"]
        assert (item.till_seq, item.member, item.reason) == (2**62 - n, "会员-ü'\"\\", None if n != 1 else "over_cap")
        assert item.received_at == (at if n == 1 else row[-1])
        assert item.status == ("flagged" if n == 1 else "applied")
    assert conflict.body == body and conflict.received_at == at


def test_a_failing_bulk_write_fails_its_transaction(db: ServerDatabase) -> None:
    """A write that breaks a constraint raises (on PostgreSQL when the queued writes are sent), and none of the
    transaction's writes stay."""
    row = ("item-1", "till-1", 1, "point_entry", "ab" * 32, "applied", None, None, TIMES[0])
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), db.write() as session:
        bulk = Bulk(session.connection())
        bulk.insert(_PUSHED, _PUSHED_COLUMNS, [row])
        bulk.insert(_PUSHED, _PUSHED_COLUMNS, [row])  # the same id again
        bulk.flush()
    with db.read() as session:
        assert session.scalars(select(PushedItem)).all() == []


def test_reads_see_the_writes_queued_before_them(db: ServerDatabase) -> None:
    row = ("item-1", "till-1", 1, "point_entry", "ab" * 32, "applied", None, None, TIMES[0])
    with db.write() as session:
        bulk = Bulk(session.connection())
        bulk.insert(_PUSHED, _PUSHED_COLUMNS, [row])
        assert bulk.rows("SELECT id FROM pushed_item") == [("item-1",)]


def test_a_naive_time_is_refused_by_bulk_writes(db: ServerDatabase) -> None:
    row = ("item-1", "till-1", 1, "point_entry", "ab" * 32, "applied", None, None, datetime(2026, 3, 18, 2, 0))
    with pytest.raises(ValueError, match="naive"), db.write() as session:
        Bulk(session.connection()).insert(_PUSHED, _PUSHED_COLUMNS, [row])


def test_a_value_too_long_for_its_column_is_refused_not_cut(db: ServerDatabase) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite does not hold a VARCHAR to its length")
    row = ("x" * 37, "till-1", 1, "point_entry", "ab" * 32, "applied", None, None, TIMES[0])
    with pytest.raises(Exception, match="too long"), db.write() as session:
        bulk = Bulk(session.connection())
        bulk.insert(_PUSHED, _PUSHED_COLUMNS, [row])
        bulk.flush()
    with db.read() as session:
        assert session.scalars(select(PushedItem)).all() == []
