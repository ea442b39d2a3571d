"""Bulk writes store a time exactly as the ORM stores it: `sqlite_time` (SQLite's text) and `naive_utc` (PostgreSQL's
naive UTC), the server's one conversion each, checked against rows the ORM itself wrote (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import AwareDatetime, TypeAdapter
from sqlalchemy import Table, select

from server.bulk import Bulk, column_converters, naive_utc, sqlite_time
from server.db import ServerDatabase
from server.models import AdminLog

_ADMIN_LOG: Table = AdminLog.__table__  # type: ignore[assignment]
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
